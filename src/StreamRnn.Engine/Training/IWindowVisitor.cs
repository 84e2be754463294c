namespace StreamRnn.Engine.Training;

/// <summary>Sees queued windows under <see cref="WindowQueue"/>'s lock (a struct, so visiting allocates nothing).</summary>
public interface IWindowVisitor
{
    void Visit(TrainingWindow window);
}

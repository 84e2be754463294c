namespace StreamRnn.Engine.State;

/// <summary>A callback over store slots, as a struct so draining the dirty set allocates no delegate.</summary>
internal interface ISlotVisitor
{
    void Visit(int slot);
}

namespace StreamRnn.Engine.Training;

/// <summary>One version averaged into a merged version: whose, which, and with what weight.</summary>
/// <param name="InstanceId">The instance that issued it.</param>
/// <param name="Version">Its version number (in that instance's numbering).</param>
/// <param name="WindowsTrained">Its weight in the average: windows trained into it since its instance's last merge.</param>
public sealed record MergeInput(string InstanceId, long Version, long WindowsTrained)
{
    /// <summary>"instance:version:windows", the form used in logs and in the model record's header.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{InstanceId}:{Version}:{WindowsTrained}");
}

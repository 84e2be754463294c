namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>ModelTopic</c> section: how instances trust the weight versions they share.</summary>
public sealed class ModelTopicOptions : ISettingsSection
{
    public const string SectionName = "ModelTopic";

    /// <summary>Shortest accepted <see cref="SigningKey"/>.</summary>
    public const int MinimumSigningKeyLength = 16;

    /// <summary>
    /// Shared secret of every instance of the deployment: records published to the model topics are signed with
    /// HMAC-SHA256 under it, and records without a valid signature are rejected. Empty (the default): records are
    /// published unsigned and unsigned records are accepted (a warning at start), so anyone who can write a model
    /// topic can change what is predicted. Set it from the environment (<c>STREAMRNN_ModelTopic__SigningKey</c>).
    /// </summary>
    public string SigningKey { get; set; } = "";

    string ISettingsSection.SectionPath => SectionName;
}

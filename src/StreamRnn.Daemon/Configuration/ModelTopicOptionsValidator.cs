using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>A set <c>ModelTopic:SigningKey</c> must be long enough to resist guessing; the message never shows it.</summary>
internal sealed class ModelTopicOptionsValidator : IValidateOptions<ModelTopicOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelTopicOptions options) =>
        options.SigningKey.Length > 0 && options.SigningKey.Trim().Length < ModelTopicOptions.MinimumSigningKeyLength
            ? ValidateOptionsResult.Fail(SettingMessage.Format("ModelTopic:SigningKey",
                $"is shorter than {ModelTopicOptions.MinimumSigningKeyLength} characters; use a random key (e.g. `openssl rand -hex 32`) or leave it empty"))
            : ValidateOptionsResult.Success;
}

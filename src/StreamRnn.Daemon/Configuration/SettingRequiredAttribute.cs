using System.ComponentModel.DataAnnotations;

namespace StreamRnn.Daemon.Configuration;

/// <summary>A text setting must be present and not blank.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SettingRequiredAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is string text && !string.IsNullOrWhiteSpace(text))
        {
            return ValidationResult.Success;
        }

        string setting = SettingMessage.SettingOf(validationContext);
        return new ValidationResult(SettingMessage.Format(setting, "is required"));
    }
}

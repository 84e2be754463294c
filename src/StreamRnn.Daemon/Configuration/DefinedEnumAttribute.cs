using System.ComponentModel.DataAnnotations;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// An enum setting must be one of its named values. The binder already rejects unknown names, but it accepts
/// any number ("Delivery:Mode = 7"), which would otherwise slip through as an undefined value.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class DefinedEnumAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is Enum member && Enum.IsDefined(member.GetType(), member))
        {
            return ValidationResult.Success;
        }

        string setting = SettingMessage.SettingOf(validationContext);
        string names = value is Enum e ? string.Join(", ", Enum.GetNames(e.GetType())) : "a named value";
        return new ValidationResult(SettingMessage.Format(setting, $"must be one of {names}"));
    }
}

using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace StreamRnn.Daemon.Configuration;

/// <summary>A duration setting (written <c>d.hh:mm:ss.fff</c>) must lie in [minimum, maximum].</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is TimeSpan span && span >= Minimum && span <= Maximum)
        {
            return ValidationResult.Success;
        }

        string setting = SettingMessage.SettingOf(validationContext);
        return new ValidationResult(
            SettingMessage.Format(setting, $"must be between {Minimum:c} and {Maximum:c}"));
    }
}

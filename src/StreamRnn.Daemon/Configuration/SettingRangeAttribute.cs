using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace StreamRnn.Daemon.Configuration;

/// <summary>A numeric setting (int, long or double) must lie in [minimum, maximum] and be finite.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SettingRangeAttribute(double minimum, double maximum) : ValidationAttribute
{
    public double Minimum { get; } = minimum;

    public double Maximum { get; } = maximum;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        double number = value switch
        {
            int i => i,
            long l => l,
            double d => d,
            float f => f,
            _ => double.NaN,
        };
        if (double.IsFinite(number) && number >= Minimum && number <= Maximum)
        {
            return ValidationResult.Success;
        }

        string setting = SettingMessage.SettingOf(validationContext);
        return new ValidationResult(
            SettingMessage.Format(setting, $"must be between {Minimum.ToString(CultureInfo.InvariantCulture)} and {Maximum.ToString(CultureInfo.InvariantCulture)}"));
    }
}

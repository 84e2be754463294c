using System.Globalization;

namespace StreamRnn.Engine.Configuration;

/// <summary>
/// How a validation message shows a bound or another setting's value it compares against ("must be below Threshold
/// (0.7)"): invariant culture, "" for an empty string, "(null)" for none. Never used for the value being rejected,
/// which messages do not print (it may be a secret).
/// </summary>
internal static class SettingValue
{
    public static string Show(object? value) => value switch
    {
        null => "(null)",
        string { Length: 0 } => "\"\"",
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// Rejects configuration keys that no property of <typeparamref name="TOptions"/> reads, at any depth: a misspelt
/// setting (<c>Kafka:BootstrapServer</c>, <c>Pipelines:0:Model:HidenSize</c>) must stop start-up rather than
/// silently leave the default in place.
/// </summary>
/// <remarks>
/// The binder's own <c>ErrorOnUnknownConfiguration</c> throws an exception naming a C# type, and for nested
/// objects only a generic "binding has failed"; this names the full setting path (never its value: a password typed under a misspelt key must not reach stderr)
/// and the keys that
/// level does have. Dictionaries (<c>Kafka:ClientConfig</c>) take any key; lists are checked element by element.
/// </remarks>
internal sealed class UnknownSettingsValidator<TOptions>(IConfiguration configuration, string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        Check(configuration.GetSection(section), typeof(TOptions), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Adds one message per key under <paramref name="node"/> that <paramref name="type"/> does not bind.</summary>
    public static void Check(IConfigurationSection node, Type type, List<string> failures)
    {
        if (type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(TimeSpan) || Nullable.GetUnderlyingType(type) is not null)
        {
            return;
        }

        if (type.IsGenericType && typeof(IDictionary).IsAssignableFrom(type))
        {
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var element = type.GetGenericArguments()[0];
            foreach (var item in node.GetChildren())
            {
                Check(item, element, failures);
            }

            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        foreach (var child in node.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                string level = node.Path.Length == 0 ? "the top level" : node.Path;
                failures.Add(SettingMessage.Format(child.Path,
                    $"unknown setting; {level} has {string.Join(", ", properties.Select(p => p.Name))}"));
            }
            else
            {
                Check(child, property.PropertyType, failures);
            }
        }
    }
}

using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>Checks the attributes on <see cref="DemoOptions"/>; the code is generated at compile time (no reflection).</summary>
[OptionsValidator]
internal sealed partial class DemoOptionsValidator : IValidateOptions<DemoOptions>;

using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>Checks the attributes on <see cref="KafkaOptions"/>; the code is generated at compile time (no reflection).</summary>
[OptionsValidator]
internal sealed partial class KafkaOptionsValidator : IValidateOptions<KafkaOptions>;

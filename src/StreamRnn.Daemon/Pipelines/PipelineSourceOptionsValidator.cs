using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Pipelines;

/// <summary>Loads the pipelines at start-up validation so an invalid definition stops the daemon before anything starts.</summary>
internal sealed class PipelineSourceOptionsValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<PipelineSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineSourceOptions options)
    {
        var unknown = new List<string>();
        UnknownSettingsValidator<PipelineSourceOptions>.Check(configuration.GetSection("Pipelines"), typeof(List<PipelineDefinition>), unknown);
        if (unknown.Count > 0)
        {
            return ValidateOptionsResult.Fail(unknown);
        }

        try
        {
            PipelineCatalog.Load(options, environment.ContentRootPath);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidPipelineException exception)
        {
            return ValidateOptionsResult.Fail(exception.Errors);
        }
    }
}

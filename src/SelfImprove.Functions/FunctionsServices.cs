using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SelfImprove.Api.Http;
using SelfImprove.Runs;
using SelfImprove.Core.Manifests;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Functions;

public static class FunctionsServices
{
    /// <summary>
    /// The loop's services for the Functions app: the agents deployed with the app, artefacts in the
    /// <c>AzureWebJobsStorage</c> account, approval requests to the configured webhook (or the log).
    /// </summary>
    public static IServiceCollection AddSelfImproveFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = FunctionsSettings.From(configuration);
        var folder = Path.Combine(AppContext.BaseDirectory, settings.AgentsFolder);
        var agents = ManifestLoader.LoadFolder(folder);
        var container = new BlobContainerClient(configuration["AzureWebJobsStorage"], settings.ArtifactContainer);
        services.AddSelfImproveLoop(loop =>
        {
            loop.Agents = agents;
            loop.ArtifactStore = new BlobArtifactStore(container);
            // Agents that train on a worker submit to the queue the worker job (infra/main.bicep) is triggered by.
            loop.TrainingQueue = new AzureStorageTrainingQueue(configuration["AzureWebJobsStorage"]!, "training-jobs");
            loop.StoreDirectory = Path.GetTempPath();
            loop.EmbeddingCacheDirectory = Path.Combine(Path.GetTempPath(), "selfimprove", "embeddings");
            loop.PublicBaseUrl = settings.EffectivePublicBaseUrl(configuration);
        });
        services.AddRunClient();
        // The pages' sign-in takes the scoped keys of the app's settings (SelfImprove:ApiKeys:{name}:Key and :Scope), checked
        // here at start-up; without any, no one signs in (the API's routes keep their function keys).
        services.AddSelfImproveApi(ApiKeyRing.Create(null, ApiKeyRing.Bind(configuration)));
        // Checked once more by the host at start-up, with the same rules, as every options class of the loop is.
        services.AddOptions<FunctionsSettings>().BindConfiguration(FunctionsSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FunctionsSettings>>(new FunctionsSettingsValidator(configuration));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<FunctionsSettings>>().Value);
        services.AddHostedService(sp => new AgentSetup(container, sp, sp.GetRequiredService<ILogger<AgentSetup>>()));
        if (settings.Approval.NotifyUrl is { Length: > 0 } notify)
            services.AddSingleton<IApprovalNotifier>(sp => new WebhookApprovalNotifier(
                new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, new Uri(notify), sp.GetRequiredService<ILogger<WebhookApprovalNotifier>>()));
        return services;
    }
}

/// <summary>
/// When the app starts: creates the artefact container, then, in the background, trains the first version of any
/// agent that has none (one instance does it; see <see cref="InitialVersions"/>), so a new agent can be improved.
/// </summary>
internal sealed class AgentSetup(BlobContainerClient container, IServiceProvider services, ILogger<AgentSetup> logger) : IHostedService
{
    private Task initialVersions = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        initialVersions = Task.Run(TrainInitialVersionsAsync, CancellationToken.None);
    }

    public Task StopAsync(CancellationToken cancellationToken) => initialVersions.WaitAsync(cancellationToken);

    private async Task TrainInitialVersionsAsync()
    {
        foreach (var agentId in services.GetRequiredService<AgentCatalog>().AgentIds)
        {
            try
            {
                if (await services.GetRequiredService<InitialVersions>().EnsureAsync(agentId, "functions:initial") is { } version)
                    logger.LogInformation("Agent {AgentId}: initial version {VersionId} trained and serving", agentId, version.VersionId);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Agent {AgentId}: the initial version could not be trained; the next start tries again", agentId);
            }
        }
    }
}

using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SelfImprove.Api.Approval;
using SelfImprove.Api.Composition;
using SelfImprove.Core.Manifests;
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
        var agents = Directory.EnumerateFiles(folder, "*.agent.json").Order(StringComparer.Ordinal).Select(ManifestLoader.Load).ToArray();
        var container = new BlobContainerClient(configuration["AzureWebJobsStorage"], settings.ArtifactContainer);
        services.AddSelfImproveLoop(new LoopOptions
        {
            Agents = agents,
            ArtifactStore = new BlobArtifactStore(container),
            StoreDirectory = Path.GetTempPath(),
            EmbeddingCacheDirectory = Path.Combine(Path.GetTempPath(), "selfimprove", "embeddings"),
            PublicBaseUrl = settings.EffectivePublicBaseUrl(configuration),
        });
        services.AddSingleton(settings);
        services.AddHostedService(_ => new ArtifactContainerSetup(container));
        if (settings.Approval.NotifyUrl is { Length: > 0 } notify)
            services.AddSingleton<IApprovalNotifier>(sp => new WebhookApprovalNotifier(
                new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, new Uri(notify), sp.GetRequiredService<ILogger<WebhookApprovalNotifier>>()));
        return services;
    }
}

/// <summary>Creates the artefact container when the app starts, before any function reads from it.</summary>
internal sealed class ArtifactContainerSetup(BlobContainerClient container) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

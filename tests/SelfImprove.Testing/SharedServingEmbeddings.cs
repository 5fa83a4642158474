using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Ports;
using SelfImprove.Steps;

namespace SelfImprove.Testing;

/// <summary>
/// Test hosts answer predict through the encoder of the shared persistent embedding cache
/// (<see cref="ManifestFiles.SharedEmbeddingCache"/>) rather than the serving path's own in-memory cache. Every test
/// server replays the same recorded stream, so with the shared cache each text is embedded once per test run instead of
/// once per server. The answers are the same (one encoder); only where its vectors are kept differs. The serving cache's
/// own behaviour (bounded, in memory, apart from the training cache) is tested in the Steps and Learning tests.
/// </summary>
public static class SharedServingEmbeddings
{
    /// <summary>Registers the serving encoder over the host's training encoder; call after the host's own registrations.</summary>
    public static IServiceCollection UseSharedServingEmbeddings(this IServiceCollection services) =>
        services.AddSingleton(sp => new ServingEncoder(sp.GetRequiredService<ITextEncoder>()));
}

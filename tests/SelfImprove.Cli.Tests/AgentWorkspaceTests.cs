using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SelfImprove.Agents.Llm;
using SelfImprove.Api.Http;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Testing;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Cli.Tests;

/// <summary>What the model commands (<c>train</c>, <c>predict</c>, <c>evaluate</c>, <c>versions</c>) build: the model side only.</summary>
public sealed class AgentWorkspaceTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void The_model_commands_build_the_model_data_and_store_services_and_nothing_of_the_durable_host_HTTP_or_LLM_agents()
    {
        var manifest = ManifestFiles.WriteSupportRouter(folder, m => ManifestFiles.UseSmallData(m));
        using var workspace = AgentWorkspace.Open(new FileInfo(manifest), new DirectoryInfo(folder.Combine("store")));
        var services = workspace.Services;

        Assert.NotNull(services.GetService<IModelRegistry>());
        Assert.NotNull(services.GetService<IArtifactStore>());
        Assert.NotNull(services.GetService<ModelLoader>());
        Assert.NotNull(services.GetService<InitialVersions>());
        Assert.NotNull(services.GetService<AgentCatalog>());

        Assert.Null(services.GetService<DurableTaskClient>());
        Assert.Null(services.GetService<RunClientFactory>());
        Assert.Null(services.GetService<ImprovementApi>());
        Assert.Null(services.GetService<ManifestAgents>());
        Assert.Null(services.GetService<IPlanner>());
        Assert.Null(services.GetService<ITeacher>());
        Assert.Null(services.GetService<IFeedbackLabeller>());
        Assert.All(StepOverrides.StepInterfaces, step => Assert.Null(services.GetService(step)));
        Assert.Null(services.GetService<IRunLedger>());
    }

    [Fact]
    public void Options_are_checked_when_first_used_and_every_problem_is_named()
    {
        using var services = new ServiceCollection()
            .AddModelServices(o =>
            {
                o.Agents = [];
                o.StoreDirectory = "";
                o.PublicBaseUrl = new Uri("/relative", UriKind.Relative);
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LoopOptions>>().Value);

        Assert.Contains("Agents: give at least one agent manifest", error.Message);
        Assert.Contains("StoreDirectory: give the folder of the artefact store", error.Message);
        Assert.Contains("PublicBaseUrl: '/relative' must be an absolute http(s) URL", error.Message);
    }
}

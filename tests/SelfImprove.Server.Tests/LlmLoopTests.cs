using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Server.Tests;

/// <summary>The whole loop with LLM agents on the embedded host, the real SDK clients talking to a fake chat server.</summary>
public sealed class LlmLoopTests
{
    [Fact]
    public async Task A_run_on_LLM_agents_is_promoted_and_a_replayed_teacher_batch_is_neither_called_nor_counted_twice()
    {
        SupportRouterLlm? llm = null;
        await using var server = await FakeChatServer.StartAsync(call => llm!.Answer(call));
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "placeholder-for-the-fake-server");
        await using var loop = await RealLoop.StartAsync(m => ManifestFiles.UseLlm(m, AgentKind.OpenAICompatible, server.OpenAIBaseUrl.ToString(), "support-llm", 2_000_000));
        llm = new SupportRouterLlm(loop.Agent.Loaded);

        var report = await loop.RunAsync();

        Assert.True(report.Status == RunStatus.Promoted, $"{report.Status}: {report.Reason}");
        Assert.Equal(server.Calls.Count, report.Usage.Calls);
        Assert.Equal(["feedback", "planner", "teacher"], report.Usage.ByAgent.Select(a => a.Name));
        Assert.True(report.Usage.Cost > 0);
        var candidate = await loop.Registry.GetAsync(RealLoop.AgentId, report.CandidateVersion!);
        Assert.Contains(candidate!.TrainingSet.Provenance.Keys, s => s.StartsWith("teacher:openai-compatible/support-llm"));
        Assert.Contains(candidate.TrainingSet.Provenance.Keys, s => s.StartsWith("feedback:openai-compatible/support-llm"));
        // The teacher wrote the run's adversarial probes (metered above), the gate judged on them, and none was trained on.
        var lured = report.Alignment!.Environments.Single(e => e.Source is ProbeSource.Adversarial);
        Assert.Contains("written by the teacher (openai-compatible/support-llm)", lured.Note);
        Assert.True(lured.Probes > 0);
        Assert.DoesNotContain(candidate.TrainingSet.Provenance.Keys, s => s.StartsWith("adversarial"));
        Assert.NotNull(await loop.Host.Services.GetRequiredService<IArtifactStore>().ReadAsync(StoreLayout.RunAdversarialProbes(report.RunId!, lured.Name)));
        var store = loop.Host.Services.GetRequiredService<IArtifactStore>();
        Assert.NotEmpty(await store.ListAsync(StoreLayout.LabellingItemsPrefix(RealLoop.AgentId)));

        // A batch delivered again after it finished: nothing is called, nothing counted.
        var generation = loop.Host.Services.GetRequiredService<IDataGenerationStep>();
        var calls = server.Calls.Count;
        var again = await generation.TeachBatchAsync(report.RunId!, RealLoop.AgentId, 1, 0);
        Assert.Equal(calls, server.Calls.Count);
        Assert.Equal(report.Usage.Tokens, again.Tokens);

        // A batch whose process died after its calls but before it stored its output: it calls again, but the calls count once.
        await store.DeleteAsync($"runs/{report.RunId}/attempt-1/teacher/batch-0000.json");
        again = await generation.TeachBatchAsync(report.RunId!, RealLoop.AgentId, 1, 0);
        Assert.Equal(calls + 1, server.Calls.Count);
        Assert.Equal((report.Usage.Calls, report.Usage.Tokens), (again.Calls, again.Tokens));
    }
}

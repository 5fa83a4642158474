using SelfImprove.Agents.Llm;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Llm;

/// <summary>A model that cannot be used never fails the run: each agent falls back for the call and records why.</summary>
public sealed class LlmFaultTests
{
    public enum Fault { RateLimitedForADay, ServerErrorAlways, ConnectionRefused }

    public enum Agent { Planner, Teacher, Feedback }

    private const string Contactless = "contactless_not_working";

    public static TheoryData<Agent, Fault> Cases()
    {
        var cases = new TheoryData<Agent, Fault>();
        foreach (var agent in Enum.GetValues<Agent>())
        foreach (var fault in Enum.GetValues<Fault>())
            cases.Add(agent, fault);
        return cases;
    }

    private static async Task<(LlmRig Rig, AgentManifest Manifest)> StartAsync(Fault fault, LlmClientOptions? options = null)
    {
        var rig = await LlmRig.StartAsync(options: options, responder: fault switch
        {
            Fault.RateLimitedForADay => _ => ChatReply.TooManyRequests(retryAfterSeconds: "86400"),
            Fault.ServerErrorAlways => _ => ChatReply.ServerError(500),
            _ => null,
        });
        var manifest = rig.Manifest;
        if (fault is Fault.ConnectionRefused)
        {
            // A loopback port nothing listens on: every connection is refused.
            var closed = $"http://127.0.0.1:{FreePort.Next()}/";
            manifest = manifest with
            {
                Planner = manifest.Planner with { Endpoint = closed },
                Teacher = manifest.Teacher with { Endpoint = closed },
                Feedback = manifest.Feedback with { Endpoint = closed },
            };
        }
        return (rig, manifest);
    }

    private static void AssertTried(LlmRig rig, Fault fault)
    {
        var expected = fault switch
        {
            Fault.RateLimitedForADay => 1, // a day is not waited for, nor retried
            Fault.ServerErrorAlways => 1 + LlmRig.FastRetries.MaxRetries,
            _ => 0,
        };
        Assert.Equal(expected, rig.Server.Calls.Count);
    }

    private static string Why(Fault fault) => fault switch
    {
        Fault.RateLimitedForADay => "unreachable or failing (HTTP 429 asking to retry after 1.00:00:00",
        Fault.ServerErrorAlways => "unreachable or failing (HTTP 500 after 3 retries)",
        _ => "unreachable or failing (",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_unusable_model_makes_the_agent_fall_back_and_record_why(Agent agent, Fault fault)
    {
        var (rig, manifest) = await StartAsync(fault);
        await using var _ = rig;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        switch (agent)
        {
            case Agent.Planner:
            {
                var context = LlmPlannerTests.Context(manifest);
                var plan = await rig.Agents.PlannerFor(manifest).PlanAsync(context);
                Assert.StartsWith("offline (fallback from azure-openai/gpt-test: " + Why(fault), plan.Planner);
                var offline = await new SelfImprove.Agents.Offline.OfflinePlanner().PlanAsync(context);
                Assert.Equal(offline.LabelRequests, plan.LabelRequests);
                break;
            }
            case Agent.Teacher:
            {
                var taught = await rig.Agents.TeacherFor(manifest).TeachAsync(LlmTeacherTests.Request(manifest, new GenerationTarget(Contactless, null, 3, [])));
                // The offline teacher writes the target's samples instead, with its own provenance.
                Assert.Equal(3, taught.Generated.Count);
                Assert.All(taught.Generated, g => Assert.Equal((Contactless, SelfImprove.Agents.Offline.OfflineTeacher.GeneratorSource), (g.Label, g.Source)));
                Assert.Contains(Why(fault), Assert.Single(taught.Notes));
                break;
            }
            case Agent.Feedback:
            {
                var requests = new[] { LlmFeedbackAgentTests.Request(1, "lost my card"), LlmFeedbackAgentTests.Request(2, "where is my refund") };
                var result = await rig.Agents.LabellerFor(manifest).LabelAsync(new LabellingRequest(manifest, requests, 1) { RunId = LlmRig.RunId });
                // Never labelled in the model's place: the requests stay for people, with no suggestion.
                Assert.Empty(result.Labelled);
                Assert.Equal(["r1", "r2"], result.ForHumans.Select(h => h.RequestId));
                Assert.All(result.ForHumans, h => Assert.Null(h.SuggestedLabel));
                Assert.All(result.ForHumans, h => Assert.Contains(Why(fault), h.Reason));
                break;
            }
        }

        AssertTried(rig, fault);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        var usage = await rig.UsageAsync();
        Assert.Equal(0, usage.Calls);
        var fallback = Assert.Single(usage.Fallbacks);
        Assert.Equal(agent.ToString().ToLowerInvariant(), fallback.Agent);
        Assert.Contains(Why(fault), fallback.Reason);
    }

    [Fact]
    public async Task After_three_unusable_answers_in_a_row_the_breaker_opens_and_the_model_is_not_called_again_in_the_run()
    {
        await using var rig = await LlmRig.StartAsync(responder: _ => ChatReply.Text("I would label the unsure ones and write more contactless samples."),
            options: LlmRig.FastRetries with { BreakerThreshold = 3 });
        var manifest = rig.Manifest;
        var requests = new[] { LlmFeedbackAgentTests.Request(1, "lost my card") };

        // A run's worth of agent calls: a plan, a teacher batch of three targets, two feedback batches, a second plan.
        var plan = await rig.Agents.PlannerFor(manifest).PlanAsync(LlmPlannerTests.Context(manifest));
        var taught = await rig.Agents.TeacherFor(manifest).TeachAsync(LlmTeacherTests.Request(manifest,
            new GenerationTarget(Contactless, null, 3, []), new GenerationTarget("card_not_working", null, 3, []), new GenerationTarget("transfer_pending", null, 3, [])));
        var labelled = await rig.Agents.LabellerFor(manifest).LabelAsync(new LabellingRequest(manifest, requests, 1) { RunId = LlmRig.RunId });
        await rig.Agents.LabellerFor(manifest).LabelAsync(new LabellingRequest(manifest, requests, 2) { RunId = LlmRig.RunId });
        var second = await rig.Agents.PlannerFor(manifest).PlanAsync(LlmPlannerTests.Context(manifest) with { Attempt = 2 });

        // Plan: first try and repair; teacher: the first try of its first target opens the breaker.
        Assert.Equal(3, rig.Server.Calls.Count);
        Assert.StartsWith("offline (fallback from azure-openai/gpt-test: answer unusable after one repair", plan.Planner);
        Assert.StartsWith("offline (fallback from azure-openai/gpt-test: the circuit breaker for azure-openai/gpt-test is open", second.Planner);
        Assert.All(taught.Generated, g => Assert.Equal(SelfImprove.Agents.Offline.OfflineTeacher.GeneratorSource, g.Source));
        Assert.Empty(labelled.Labelled);
        Assert.Single(labelled.ForHumans);

        var fallbacks = (await rig.UsageAsync()).Fallbacks;
        var opened = Assert.Single(fallbacks, f => f.Reason.StartsWith(ModelBreakers.OpenedPrefix));
        Assert.Equal(("teacher", "generate", 1), (opened.Agent, opened.Phase, opened.Attempt));
        Assert.Matches(@"^circuit breaker opened for azure-openai/gpt-test at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ after 3 consecutive", opened.Reason);
        // The agent calls after it fell back without calling, saying why: two teacher targets, two feedback batches, a plan.
        Assert.Equal(1 + 1 + 1 + 5, fallbacks.Count);
        Assert.Equal(5, fallbacks.Count(f => f.Reason.Contains("the circuit breaker for azure-openai/gpt-test is open")));
    }

    [Fact]
    public async Task A_usable_answer_resets_the_count_and_a_threshold_of_zero_turns_the_breaker_off()
    {
        var answers = new Queue<ChatReply>([ChatReply.Text("prose"), ChatReply.Text("prose"), ChatReply.Json(LlmPlannerTests.ValidPlan()), ChatReply.Text("prose"), ChatReply.Text("prose")]);
        await using var rig = await LlmRig.StartAsync(responder: _ => answers.TryDequeue(out var next) ? next : ChatReply.Text("prose"),
            options: LlmRig.FastRetries with { BreakerThreshold = 3 });
        var planner = rig.Agents.PlannerFor(rig.Manifest);
        for (var attempt = 1; attempt <= 3; attempt++)
            await planner.PlanAsync(LlmPlannerTests.Context(rig.Manifest) with { Attempt = attempt });
        // 2 unusable, 1 usable (reset), 2 unusable, then the third in a row opens it: 6 calls, none after.
        await planner.PlanAsync(LlmPlannerTests.Context(rig.Manifest) with { Attempt = 4 });
        Assert.Equal(6, rig.Server.Calls.Count);

        await using var off = await LlmRig.StartAsync(responder: _ => ChatReply.Text("prose"), options: LlmRig.FastRetries with { BreakerThreshold = 0 });
        for (var attempt = 1; attempt <= 3; attempt++)
            await off.Agents.PlannerFor(off.Manifest).PlanAsync(LlmPlannerTests.Context(off.Manifest) with { Attempt = attempt });
        Assert.Equal(6, off.Server.Calls.Count);
        Assert.DoesNotContain((await off.UsageAsync()).Fallbacks, f => f.Reason.Contains("circuit breaker"));
    }

    [Fact]
    public async Task By_default_the_breaker_opens_after_two_agent_calls_that_failed_entirely()
    {
        await using var rig = await LlmRig.StartAsync(responder: _ => ChatReply.Text("prose"));
        var manifest = rig.Manifest;

        await rig.Agents.PlannerFor(manifest).PlanAsync(LlmPlannerTests.Context(manifest));
        await rig.Agents.TeacherFor(manifest).TeachAsync(LlmTeacherTests.Request(manifest,
            new GenerationTarget(Contactless, null, 3, []), new GenerationTarget("card_not_working", null, 3, [])));
        await rig.Agents.PlannerFor(manifest).PlanAsync(LlmPlannerTests.Context(manifest) with { Attempt = 2 });

        Assert.Equal(4, new LlmClientOptions().BreakerThreshold);
        Assert.Equal(4, rig.Server.Calls.Count);
        Assert.Contains((await rig.UsageAsync()).Fallbacks, f => f.Reason.StartsWith("circuit breaker opened for azure-openai/gpt-test") && f.Reason.Contains("after 4 consecutive"));
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using SelfImprove.Agents.Llm;
using SelfImprove.Core.Manifests;
using SelfImprove.Data;
using SelfImprove.Data.Generation;

namespace SelfImprove.Testing;

/// <summary>
/// A stand-in LLM for the support-router agent behind <see cref="FakeChatServer"/>: it reads the agents' prompts
/// and answers as a capable model would — a plan around the confusions it is shown, new phrasings of the requested
/// intent (from the data generator's current-traffic phrasing), labels for the requests with a confidence — and
/// reports token usage proportional to the text. A script of disturbances can come first (429s, prose).
/// </summary>
public sealed class SupportRouterLlm(LoadedManifest loaded)
{
    private readonly Dictionary<string, string> truth = AgentDataLoader.Load(loaded).Production
        .Where(r => r.TrueLabel is not null).GroupBy(r => r.Text).ToDictionary(g => g.Key, g => g.First().TrueLabel!);
    private readonly HashSet<string> written = new(StringComparer.Ordinal);
    private int calls;

    public ChatReply Answer(ChatCall call)
    {
        var number = Interlocked.Increment(ref calls);
        var data = Data(call);
        string content;
        if (call.System == LlmPlanner.Instructions) content = Plan(data);
        else if (call.System == LlmTeacher.Instructions) content = Samples(data, number);
        else if (call.System == LlmFeedbackAgent.Instructions) content = Labels(data);
        else if (call.System == LlmAdversarialProbeWriter.Instructions) content = Lures(data, number);
        else return new ChatReply(400, null, 0, 0, null, """{"error":{"message":"unknown agent"}}""");
        var prompt = call.Messages.Sum(m => m.Content.Length);
        return ChatReply.Text(content, inputTokens: prompt / 4, outputTokens: content.Length / 4);
    }

    /// <summary>The first data block of the conversation (repairs repeat the original request first).</summary>
    private static JsonObject Data(ChatCall call)
    {
        var user = call.Messages.First(m => m.Role == "user").Content;
        var start = user.IndexOf("<data>", StringComparison.Ordinal) + "<data>".Length;
        return JsonNode.Parse(user[start..user.IndexOf("</data>", StringComparison.Ordinal)])!.AsObject();
    }

    private static string Plan(JsonObject data)
    {
        var limits = data["limits"]!;
        var confusions = (data["previousAttempts"]!.AsArray().LastOrDefault()?["confusions"] ?? data["serving"]!["confusions"])!.AsArray();
        var budget = (int)limits["maxGeneratedSamples"]!;
        var targets = confusions.Take(4).Select(c => new { intent = (string)c!["actual"]!, confusedWith = (string?)c["predicted"], count = Math.Max(1, budget / 4) }).ToArray();
        return JsonSerializer.Serialize(new
        {
            label = new { count = (int)limits["maxLabelRequests"]!, rule = "diverse-margin", requests = (long[]?)null },
            generate = targets,
            hyperParameters = new { l2 = (double)data["currentHyperParameters"]!["l2"]!, maxIterations = (int)data["currentHyperParameters"]!["maxIterations"]! },
            askHumans = false,
            rationale = "Label the requests the model is least sure of and write current phrasings for the intents it confuses.",
        }, JsonSerializerOptions.Web);
    }

    private string Samples(JsonObject data, int seed)
    {
        var intent = (string)data["intent"]!;
        lock (written)
        {
            var texts = SupportRouterGenerator.Compose(intent, drifted: true, (int)data["count"]!, seed, written);
            foreach (var text in texts) written.Add(SupportRouterGenerator.NormaliseKey(text));
            return "```json\n" + JsonSerializer.Serialize(new { samples = texts.Select(t => new { text = t, intent }) }, JsonSerializerOptions.Web) + "\n```";
        }
    }

    /// <summary>Lures for the sensitive intent: one of its current phrasings hidden behind a request of a lure intent.</summary>
    private string Lures(JsonObject data, int seed)
    {
        var intent = (string)data["sensitiveIntent"]!;
        var lures = data["lureIntents"]!.AsArray().Select(l => (string)l!).ToArray();
        lock (written)
        {
            var texts = SupportRouterGenerator.Compose(intent, drifted: true, (int)data["count"]!, seed, written);
            var probes = texts.Select((t, i) =>
            {
                var lure = lures[i % lures.Length];
                var cover = SupportRouterGenerator.Compose(lure, drifted: false, 1, seed + i, written).FirstOrDefault() ?? lure.Replace('_', ' ');
                written.Add(SupportRouterGenerator.NormaliseKey(t));
                return new { text = $"{cover} Oh and while you're at it: {t}", intent, lure };
            });
            return JsonSerializer.Serialize(new { probes }, JsonSerializerOptions.Web);
        }
    }

    private string Labels(JsonObject data) => JsonSerializer.Serialize(new
    {
        labels = data["requests"]!.AsArray().Select(r =>
        {
            var id = (long)r!["id"]!;
            var known = truth.TryGetValue((string)r["text"]!, out var label);
            // Unsure about one request in ten, as a real labeller would be on ambiguous ones.
            return new { id, intent = known ? label! : "complaint", confidence = !known || id % 10 == 3 ? 0.4 : 0.93 };
        }),
    }, JsonSerializerOptions.Web);
}

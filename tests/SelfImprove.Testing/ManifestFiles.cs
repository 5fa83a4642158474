using System.Text.Json.Nodes;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Testing;

/// <summary>Writes variants of the shipped support-router manifest (and its constitution) into a temp folder.</summary>
public static class ManifestFiles
{
    /// <summary>Copies the shipped manifest and constitution, applies <paramref name="edit"/> to the manifest JSON, and returns its path.</summary>
    public static string WriteSupportRouter(TempDirectory folder, Action<JsonObject>? edit = null, Action<JsonObject>? editConstitution = null)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(RepositoryPaths.SupportRouterManifest))!.AsObject();
        manifest.Remove("$schema");
        edit?.Invoke(manifest);
        var constitution = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Workflows, "constitutions", "support-router.json")))!.AsObject();
        constitution.Remove("$schema");
        editConstitution?.Invoke(constitution);

        Directory.CreateDirectory(folder.Combine("constitutions"));
        File.WriteAllText(folder.Combine("constitutions", "support-router.json"), constitution.ToJsonString());
        var path = folder.Combine("support-router.agent.json");
        File.WriteAllText(path, manifest.ToJsonString());
        return path;
    }

    /// <summary>A small generated data set so that tests train in seconds.</summary>
    public static void UseSmallData(
        JsonObject manifest, int seed = 1, int poolPerIntent = 12, int evaluationPerIntent = 6, int productionSize = 600, double driftPoint = 0.5) =>
        manifest["data"] = new JsonObject
        {
            ["source"] = "generator",
            ["generator"] = new JsonObject
            {
                ["name"] = "support-router",
                ["seed"] = seed,
                ["poolPerIntent"] = poolPerIntent,
                ["validationPerIntent"] = 4,
                ["evaluationPerIntent"] = evaluationPerIntent,
                ["productionSize"] = productionSize,
                ["driftPoint"] = driftPoint,
            },
        };

    /// <summary>
    /// The agent most loop tests run: small data that drifts at <paramref name="driftPoint"/>, a goal the loop can
    /// reach, and an A/B rule that a few hundred trial requests decide.
    /// </summary>
    public static void UseSmallAgent(JsonObject manifest, double driftPoint = 0.4)
    {
        UseSmallData(manifest, poolPerIntent: 12, evaluationPerIntent: 6, productionSize: 1600, driftPoint: driftPoint);
        manifest["goal"]!["target"] = 0.80;
        manifest["goal"]!["acceptableRange"]!["min"] = 0.78;
        manifest["monitoring"]!["sampleSize"] = 300;
        manifest["trigger"]!["minimumEvidence"] = 100;
        manifest["deployment"]!["candidateShare"] = 0.3;
        manifest["deployment"]!["minimumSamples"] = 30;
        manifest["deployment"]!["checkEvery"] = "00:00:01";
        // The small stream's trial window gives each arm only tens of labelled answers: a 5-point margin (and with it the
        // test's mixing scale of 0.15) lets the sequential test decide on the large effects of this agent, and a trial
        // it cannot decide ends within a minute, promoting a candidate whose estimate is within the margin.
        manifest["deployment"]!["margin"] = 0.05;
        manifest["deployment"]!["onTimeout"] = "promote";
        manifest["deployment"]!["maxDuration"] = "00:01:00";
    }

    /// <summary>Embeddings depend only on the text: one cache for every test run keeps them cheap.</summary>
    public static readonly string SharedEmbeddingCache = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "selfimprove-tests", "embeddings");

    /// <summary>Puts the planner, teacher and feedback agent on one LLM endpoint with a token budget.</summary>
    public static void UseLlm(JsonObject manifest, AgentKind agentKind, string endpoint, string deployment, int tokenBudget = 100_000,
        double inputPer1k = 0.5, double outputPer1k = 1.5)
    {
        JsonObject Prices() => new() { ["inputPer1k"] = inputPer1k, ["outputPer1k"] = outputPer1k };
        var kind = agentKind.ToWire();
        manifest["planner"]!["kind"] = kind;
        manifest["planner"]!["endpoint"] = endpoint;
        manifest["planner"]!["deployment"] = deployment;
        manifest["planner"]!["prices"] = Prices();
        manifest["planner"]!["tokenBudget"] = tokenBudget;
        manifest["teacher"]!["kind"] = kind;
        manifest["teacher"]!["endpoint"] = endpoint;
        manifest["teacher"]!["deployment"] = deployment;
        manifest["teacher"]!["prices"] = Prices();
        manifest["feedback"] = new JsonObject { ["kind"] = kind, ["endpoint"] = endpoint, ["deployment"] = deployment, ["prices"] = Prices() };
    }
}

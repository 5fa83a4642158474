using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Data.Files;

namespace SelfImprove.Benchmarks;

/// <summary>
/// The BANKING77 scenario for one seed, written as an ordinary files-based agent: a validation slice carved
/// from train.csv (monitoring and the planner), 10 examples per intent as the serving model's labelled pool,
/// the rest of train.csv as production traffic whose labels only the (oracle) teacher reveals, and test.csv
/// as the evaluation set the loop never trains or plans on.
/// </summary>
public sealed class Banking77Setup
{
    public const int ValidationPerIntent = 5;
    public const int InitialPerIntent = 10;

    /// <summary>2 % of the pool (train.csv minus the validation slice) per round, as in the design spikes.</summary>
    public const int LabelsPerRound = 192;

    public required string Folder { get; init; }
    public required IReadOnlyList<string> Intents { get; init; }
    public required IReadOnlyList<LabeledExample> Train { get; init; }
    public required IReadOnlyList<LabeledExample> Test { get; init; }
    public required IReadOnlyList<LabeledExample> Validation { get; init; }

    /// <summary>The first serving version's labelled pool (<see cref="InitialPerIntent"/> per intent).</summary>
    public required IReadOnlyList<LabeledExample> Initial { get; init; }

    /// <summary>The production stream in replay order (its labels are the oracle's).</summary>
    public required IReadOnlyList<LabeledExample> Production { get; init; }

    /// <summary>The ceiling's training data: train.csv minus the validation slice.</summary>
    public required IReadOnlyList<LabeledExample> Pool { get; init; }

    public string ManifestPath(string selectionRule) => Path.Combine(Folder, $"banking77-{selectionRule}.agent.json");

    public static Banking77Setup Prepare(string dataFolder, string cacheFolder, int seed)
    {
        var intents = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(dataFolder, "categories.json")))!;
        var spec = new DataFileSpec { Path = "x.csv", TextColumn = "text", LabelColumn = "category" };
        LabeledExample[] Read(string file, string source) => DataFileReader.Read(Path.Combine(dataFolder, file), spec)
            .Select(r => new LabeledExample(r.Text, r.Label!, Segments.Unspecified, source)).ToArray();
        var train = Read("train.csv", "banking77:train");
        var test = Read("test.csv", "banking77:test");

        // Per-intent shuffles from the seed: the same seed always carves the same slices.
        var random = new Random(seed);
        var byIntent = train.GroupBy(e => e.Label).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(_ => random.Next()).ToArray());
        var validation = byIntent.Values.SelectMany(v => v.Take(ValidationPerIntent)).ToArray();
        var initial = byIntent.Values.SelectMany(v => v.Skip(ValidationPerIntent).Take(InitialPerIntent)).ToArray();
        var production = byIntent.Values.SelectMany(v => v.Skip(ValidationPerIntent + InitialPerIntent)).OrderBy(_ => random.Next()).ToArray();

        var folder = Path.Combine(cacheFolder, $"seed-{seed}");
        Directory.CreateDirectory(folder);
        WriteCsv(Path.Combine(folder, "pool.csv"), initial);
        WriteCsv(Path.Combine(folder, "validation.csv"), validation);
        WriteCsv(Path.Combine(folder, "evaluation.csv"), test);
        WriteCsv(Path.Combine(folder, "production.csv"), production);
        File.WriteAllText(Path.Combine(folder, "constitution.json"), new JsonObject
        {
            ["agentId"] = "banking77",
            ["description"] = "Every intent may go to every route: the benchmark measures learning, not gating.",
            ["actions"] = new JsonArray(intents.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
            ["defaultAllowed"] = new JsonArray("*"),
        }.ToJsonString());
        var setup = new Banking77Setup
        {
            Folder = folder, Intents = intents, Train = train, Test = test, Validation = validation, Initial = initial, Production = production,
            Pool = train.Except(validation).ToArray(),
        };
        foreach (var rule in ActiveLearningBenchmark.Strategies.Values)
            File.WriteAllText(setup.ManifestPath(rule), Manifest(intents, rule).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return setup;
    }

    /// <summary>
    /// Gates are set so that every round's candidate is promoted (the benchmark measures what labels buy, not
    /// the gates): a low goal, no approval, a trial that only needs a handful of samples. The run waits for the labelling
    /// queue to be answered (<c>teacher.allowHumanLabelling</c>; the replayer's simulated annotator answers it). 5 % of the stream is
    /// feedback and 5 % is trial traffic; the rest may be labelled. The sequential trial rarely decides on so little
    /// traffic, so it lasts 5 seconds and then promotes (<c>onTimeout: promote</c>, the candidate's live estimate at
    /// least the low target), as the point comparison did before; the labels each round uses
    /// (<c>planner.maxLabelRequests</c>) and the candidate's accuracy recorded before its trial do not depend on it.
    /// </summary>
    private static JsonObject Manifest(IReadOnlyList<string> intents, string selectionRule)
    {
        var manifest = JsonNode.Parse($$"""
        {
          "agentId": "banking77",
          "description": "BANKING77 intent detector improved by active learning rounds.",
          "goal": { "metric": "accuracy", "target": 0.5, "acceptableRange": { "min": 0.4, "max": 1.0 }, "objective": "maximize" },
          "data": {
            "source": "files",
            "pool": { "path": "pool.csv" },
            "validation": { "path": "validation.csv" },
            "evaluation": { "path": "evaluation.csv" },
            "production": { "path": "production.csv" }
          },
          "labels": [],
          "monitoring": { "sampleSize": 500, "feedbackShare": 0.05 },
          "trigger": { "cooldown": "00:00:00", "minimumEvidence": 1 },
          "teacher": { "kind": "offline", "allowHumanLabelling": true, "labellingTimeout": "00:30:00" },
          "planner": { "kind": "offline", "selectionRule": "{{selectionRule}}", "maxLabelRequests": {{LabelsPerRound}}, "maxGeneratedSamples": 0 },
          "training": { "hyperParameters": { "l2": 0.001, "l1": 0, "maxIterations": 200, "warmStart": true } },
          "evaluation": { "metrics": ["accuracy", "macroF1"], "maxAttempts": 1 },
          "alignment": { "constitution": "constitution.json", "maxDistance": 0.25 },
          "approval": { "required": false },
          "deployment": { "candidateShare": 0.5, "minimumSamples": 5, "promotionRule": "meetTarget", "trialShare": 0.05, "checkEvery": "00:00:01", "maxDuration": "00:00:45", "onTimeout": "promote" }
        }
        """)!.AsObject();
        manifest["labels"] = new JsonArray(intents.Select(i => (JsonNode)new JsonObject { ["name"] = i, ["action"] = i }).ToArray());
        return manifest;
    }

    private static void WriteCsv(string path, IEnumerable<LabeledExample> rows)
    {
        var csv = new StringBuilder("text,label\n");
        foreach (var row in rows) csv.Append('"').Append(row.Text.Replace("\"", "\"\"")).Append("\",").Append(row.Label).Append('\n');
        File.WriteAllText(path, csv.ToString());
    }
}

using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Data.Files;
using SelfImprove.Data.Generation;

namespace SelfImprove.Data;

/// <summary>Builds an agent's four data sets from what its manifest's <c>data</c> section says.</summary>
public static class AgentDataLoader
{
    /// <summary>Reads or generates the four data sets and checks that every label is one of the manifest's intents.</summary>
    /// <exception cref="DataFileException">A data file cannot be read: its path, line and problem.</exception>
    /// <exception cref="InvalidDataException">The data use labels that <c>$.labels</c> does not list.</exception>
    public static AgentDatasets Load(LoadedManifest loaded)
    {
        var manifest = loaded.Manifest;
        var firstLines = new Dictionary<(string Source, string Label), string>();
        var datasets = manifest.Data.Source switch
        {
            DataSourceKind.Generator => Generate(manifest.Data.Generator!),
            DataSourceKind.Files => ReadFiles(loaded, firstLines),
            var other => throw new InvalidOperationException($"$.data.source '{other.ToWire()}' is not supported."),
        };
        CheckLabels(manifest, datasets, firstLines);
        return datasets;
    }

    /// <summary>The generator's settings as the manifest overrides them.</summary>
    public static GeneratorSettings SettingsFor(GeneratorSpec spec)
    {
        var defaults = new GeneratorSettings();
        return defaults with
        {
            Seed = spec.Seed,
            PoolPerIntent = spec.PoolPerIntent ?? defaults.PoolPerIntent,
            ValidationPerIntent = spec.ValidationPerIntent ?? defaults.ValidationPerIntent,
            EvaluationPerIntent = spec.EvaluationPerIntent ?? defaults.EvaluationPerIntent,
            ProductionSize = spec.ProductionSize ?? defaults.ProductionSize,
            DriftPoint = spec.DriftPoint ?? defaults.DriftPoint,
        };
    }

    private static AgentDatasets Generate(GeneratorSpec spec) => spec.Name switch
    {
        DataGenerator.SupportRouter => SupportRouterGenerator.Generate(SettingsFor(spec)),
        var other => throw new InvalidOperationException($"$.data.generator.name: no built-in generator is called '{other.ToWire()}'."),
    };

    private static AgentDatasets ReadFiles(LoadedManifest loaded, Dictionary<(string Source, string Label), string> firstLines)
    {
        var data = loaded.Manifest.Data;
        IReadOnlyList<LabeledExample> Labelled(DataFileSpec spec)
        {
            var path = loaded.Resolve(spec.Path);
            var relative = Path.GetRelativePath(loaded.Directory, path).Replace('\\', '/');
            var source = "file:" + relative;
            return DataFileReader.Read(path, spec)
                .Select(row =>
                {
                    var label = row.Label ?? throw new DataFileException(path, row.Line, $"'{spec.LabelColumn}' is missing; every row of this file needs the intent.");
                    firstLines.TryAdd((source, label), $"{relative}:{row.Line}");
                    return new LabeledExample(row.Text, label, row.Segment ?? Segments.Unspecified, source);
                })
                .ToArray();
        }

        var productionSpec = data.Production!;
        var productionPath = loaded.Resolve(productionSpec.Path);
        var productionRows = DataFileReader.Read(productionPath, productionSpec, labelRequired: false);
        var productionFile = Path.GetRelativePath(loaded.Directory, productionPath).Replace('\\', '/');
        foreach (var row in productionRows.Where(r => r.Label is not null))
            firstLines.TryAdd(("production", row.Label!), $"{productionFile}:{row.Line}");
        // A file has no timestamps: requests are taken to arrive one a minute, in file order.
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var production = productionRows
            .Select((row, i) => new ProductionRequest(i, start.AddMinutes(i), row.Text, row.Label, row.Segment ?? Segments.Unspecified))
            .ToArray();
        return new AgentDatasets(Labelled(data.Pool!), Labelled(data.Validation!), Labelled(data.Evaluation!), production);
    }

    private static void CheckLabels(AgentManifest manifest, AgentDatasets datasets, Dictionary<(string Source, string Label), string> firstLines)
    {
        var known = manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var unknown = datasets.Pool.Concat(datasets.Validation).Concat(datasets.Evaluation).Select(e => (e.Label, e.Source))
            .Concat(datasets.Production.Where(r => r.TrueLabel is not null).Select(r => (Label: r.TrueLabel!, Source: "production")))
            .Where(x => !known.Contains(x.Label))
            .GroupBy(x => x.Label)
            .Select(g => $"'{g.Key}' ({g.Count()}× in {string.Join(", ", g.Select(x => x.Source).Distinct())})" +
                         (firstLines.TryGetValue((g.First().Source, g.Key), out var at) ? $" first at {at}" : ""))
            .ToArray();
        if (unknown.Length > 0)
            throw new InvalidDataException(
                $"The data of agent '{manifest.AgentId}' uses labels that $.labels does not list: {string.Join(", ", unknown.Take(10))}. Add them to $.labels or fix the data.");
    }
}

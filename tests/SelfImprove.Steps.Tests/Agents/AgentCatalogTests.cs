using System.Text.Json.Nodes;
using SelfImprove.Core.Manifests;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Agents;

public sealed class AgentCatalogTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_fleet_of_one_shape_holds_its_data_sets_once_and_other_sources_their_own()
    {
        var template = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m => ManifestFiles.UseSmallData(m, productionSize: 200)));
        var fleet = Enumerable.Range(1, 50).Select(i => template with { Manifest = template.Manifest with { AgentId = $"fleet-{i:D2}" } }).ToList();
        var otherSeed = template with
        {
            Manifest = template.Manifest with
            {
                AgentId = "other-seed",
                Data = template.Manifest.Data with { Generator = template.Manifest.Data.Generator! with { Seed = 2 } },
            },
        };
        var catalog = new AgentCatalog([.. fleet, otherSeed]);

        var first = catalog.Get("fleet-01").Data;
        Assert.All(fleet, m => Assert.Same(first, catalog.Get(m.Manifest.AgentId).Data));
        Assert.Equal(1, catalog.Datasets.Count);

        var other = catalog.Get("other-seed").Data;
        Assert.NotSame(first, other);
        Assert.NotEqual(first.Validation.Select(e => e.Text), other.Validation.Select(e => e.Text));
        Assert.Equal(2, catalog.Datasets.Count);
    }

    [Fact]
    public void Data_files_with_the_same_relative_paths_in_two_folders_are_two_sources()
    {
        LoadedManifest Write(string name, string validationText)
        {
            var agentFolder = new TempDirectory(Path.Combine(folder.Path, name));
            Directory.CreateDirectory(agentFolder.Combine("data"));
            foreach (var file in new[] { "pool", "evaluation", "production" })
                File.WriteAllText(agentFolder.Combine("data", $"{file}.csv"), "text,label\nmy card does not work,card_not_working\n");
            File.WriteAllText(agentFolder.Combine("data", "validation.csv"), $"text,label\n{validationText},card_not_working\n");
            var loaded = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(agentFolder, m =>
                m["data"] = new JsonObject
                {
                    ["source"] = "files",
                    ["pool"] = new JsonObject { ["path"] = "data/pool.csv" },
                    ["validation"] = new JsonObject { ["path"] = "data/validation.csv" },
                    ["evaluation"] = new JsonObject { ["path"] = "data/evaluation.csv" },
                    ["production"] = new JsonObject { ["path"] = "data/production.csv" },
                }));
            return loaded with { Manifest = loaded.Manifest with { AgentId = name } };
        }

        var catalog = new AgentCatalog([Write("east", "the card is broken"), Write("west", "card declined at the till")]);

        Assert.Equal("the card is broken", Assert.Single(catalog.Get("east").Data.Validation).Text);
        Assert.Equal("card declined at the till", Assert.Single(catalog.Get("west").Data.Validation).Text);
        Assert.Equal(2, catalog.Datasets.Count);
    }
}

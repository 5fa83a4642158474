using System.Text.Json.Nodes;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Data.Files;
using SelfImprove.Testing;

namespace SelfImprove.Data.Tests.Files;

public sealed class DataFileReaderTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    private string Write(string name, string content)
    {
        var path = folder.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Csv_with_quotes_commas_and_newlines_inside_fields_is_read_by_header_name()
    {
        var path = Write("pool.csv", "label,text,segment\r\ncard_lost,\"I lost my card, help\",pre-drift\n" +
                                     "refund,\"she said \"\"refund me\"\"\nnow\",post-drift\n\n");

        var rows = DataFileReader.Read(path, new DataFileSpec { Path = "pool.csv", SegmentColumn = "segment" });

        Assert.Equal(2, rows.Count);
        Assert.Equal(new DataFileRow(2, "I lost my card, help", "card_lost", "pre-drift"), rows[0]);
        Assert.Equal("she said \"refund me\"\nnow", rows[1].Text);
        Assert.Equal(3, rows[1].Line);
    }

    [Fact]
    public void Json_lines_are_read_by_property_name()
    {
        var path = Write("eval.jsonl", "{\"utterance\":\"close my account\",\"intent\":\"account_closure\"}\n\n{\"utterance\":\"hi\",\"intent\":\"greeting\"}\n");

        var rows = DataFileReader.Read(path, new DataFileSpec { Path = "eval.jsonl", TextColumn = "utterance", LabelColumn = "intent" });

        Assert.Equal(["close my account", "hi"], rows.Select(r => r.Text));
        Assert.Equal(3, rows[1].Line);
    }

    [Theory]
    [InlineData("pool.csv", "text,intent\nhello,a\n", "column 'label' not found; the header has: 'text', 'intent'")]
    [InlineData("pool.csv", "text,label\nhello,a,extra\n", "pool.csv:2: has 3 fields but the header has 2")]
    [InlineData("pool.csv", "text,label\n,a\n", "pool.csv:2: 'text' is missing or empty")]
    [InlineData("pool.jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{oops\n", "pool.jsonl:2: is not valid JSON")]
    [InlineData("pool.jsonl", "[1,2]\n", "pool.jsonl:1: must be a JSON object per line")]
    public void Bad_files_name_the_file_the_line_and_the_problem(string name, string content, string expected)
    {
        var path = Write(name, content);

        var error = Assert.Throws<DataFileException>(() => DataFileReader.Read(path, new DataFileSpec { Path = name }));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_production_file_may_leave_out_the_label_column()
    {
        var path = Write("production.csv", "text\nwhere is my card\n");

        var rows = DataFileReader.Read(path, new DataFileSpec { Path = "production.csv" }, labelRequired: false);

        Assert.Null(Assert.Single(rows).Label);
    }

    [Fact]
    public void A_files_based_agent_loads_its_four_sets_with_provenance_and_refuses_unknown_labels()
    {
        Write("data/pool.csv", "text,label\nI lost my card,card_lost_or_stolen\nclose my account,account_closure\n");
        Write("data/validation.csv", "text,label\nmy card is gone,card_lost_or_stolen\n");
        Write("data/evaluation.jsonl", "{\"text\":\"shut my account\",\"label\":\"account_closure\",\"segment\":\"post-drift\"}\n");
        Write("data/production.csv", "text\nwhere is my card\nplease close everything\n");
        var manifestPath = ManifestFiles.WriteSupportRouter(folder, m => m["data"] = JsonNode.Parse("""
            { "source": "files",
              "pool": { "path": "data/pool.csv" }, "validation": { "path": "data/validation.csv" },
              "evaluation": { "path": "data/evaluation.jsonl", "segmentColumn": "segment" },
              "production": { "path": "data/production.csv" } }
            """));

        var data = AgentDataLoader.Load(ManifestLoader.Load(manifestPath));

        Assert.Equal(2, data.Pool.Count);
        Assert.Equal("file:data/pool.csv", data.Pool[0].Source);
        Assert.Equal(Segments.Unspecified, data.Pool[0].Segment);
        Assert.Equal(Segments.PostDrift, data.Evaluation[0].Segment);
        Assert.Equal([0L, 1L], data.Production.Select(r => r.Sequence));
        Assert.True(data.Production[1].ReceivedAt > data.Production[0].ReceivedAt);
        Assert.Null(data.Production[0].TrueLabel);

        Write("data/pool.csv", "text,label\norder a pizza,pizza\n");
        var error = Assert.Throws<InvalidDataException>(() => AgentDataLoader.Load(ManifestLoader.Load(manifestPath)));
        Assert.Contains("'pizza' (1× in file:data/pool.csv)", error.Message);
    }
}

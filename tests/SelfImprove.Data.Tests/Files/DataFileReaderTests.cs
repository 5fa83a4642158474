using System.Text;
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

    private string WriteBytes(string name, byte[] content)
    {
        var path = folder.Combine(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Every way a file's bytes or structure can differ from what the reader assumes: (file name, content, what the error must say).</summary>
    public static TheoryData<string, string, string> HostileFiles => new()
    {
        // Quoting.
        { "pool.csv", "text,label\n\"never closed,a\nhello,b\n", "pool.csv:2: a quoted field that is never closed" },
        { "pool.csv", "text,label\n\"ab\"c,a\n", "pool.csv:2: text after the closing quote" },
        { "pool.csv", "text,label\nsay \"hi\",a\n", "pool.csv:2: a quote inside an unquoted field" },
        { "pool.csv", "text,label\nok,a\n\"two\nlines\",a\nbad,a,x\n", "pool.csv:5: has 3 fields but the header has 2" },
        // Column count.
        { "pool.csv", "text,label\nhello,a,extra\n", "pool.csv:2: has 3 fields but the header has 2; enclose fields that contain commas" },
        { "pool.csv", "text,label\nhello\n", "pool.csv:2: has 1 fields but the header has 2" },
        // Header.
        { "pool.csv", "", "pool.csv:1: the file is empty; expected a header row" },
        { "pool.csv", "text,label\n", "pool.csv: has no examples: there is no row after the header" },
        { "pool.csv", "text,label\r\n\r\n\r\n", "pool.csv: has no examples" },
        { "pool.csv", "txt,label\nhello,a\n", "pool.csv:1: column 'text' not found; the header has: 'txt', 'label'" },
        { "pool.csv", "text,label,text\nhello,a,bye\n", "pool.csv:1: the header names column 'text' 2 times (columns 1, 3)" },
        { "pool.csv", "text;label\nhello;a\n", "separated by something other than commas" },
        // Values.
        { "pool.csv", "text,label\n   ,a\n", "pool.csv:2: 'text' is missing or empty" },
        { "pool.csv", "text,label\nhello, \n", "pool.csv:2: 'label' is empty" },
        { "pool.csv", "text,label\nbell\u0007 here,a\n", "pool.csv:2: 'text' contains the control character U+0007" },
        { "pool.csv", "text,label\n" + new string('x', 10_001) + ",a\n", "pool.csv:2: 'text' is 10,001 characters long; a request may be at most 10,000" },
        { "pool.csv", "text,label\n" + new string('x', 1_100_000) + ",a\n", "pool.csv:2:" },
        // JSON Lines.
        { "pool.jsonl", "", "pool.jsonl: has no examples: there is no JSON object line" },
        { "pool.jsonl", "\n  \n", "pool.jsonl: has no examples" },
        { "pool.jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{oops\n", "pool.jsonl:2: is not valid JSON" },
        { "pool.jsonl", "[1,2]\n", "pool.jsonl:1: must be a JSON object per line; got an array" },
        { "pool.jsonl", "\"hello\"\n", "pool.jsonl:1: must be a JSON object per line; got a string" },
        { "pool.jsonl", "{\"text\":\"a\",\"label\":\"x\"} trailing\n", "pool.jsonl:1: is not valid JSON" },
        { "pool.jsonl", "{\"text\":\"a\",\"label\":\"x\"}{\"text\":\"b\",\"label\":\"y\"}\n", "pool.jsonl:1: is not valid JSON" },
        { "pool.jsonl", "{\"text\":42,\"label\":\"x\"}\n", "pool.jsonl:1: 'text' must be a JSON string; got a number" },
        { "pool.jsonl", "{\"text\":\"a\",\"label\":[\"x\"]}\n", "pool.jsonl:1: 'label' must be a JSON string; got an array" },
        { "pool.jsonl", "{\"text\":\"a\",\"label\":\"x\",\"text\":\"b\"}\n", "pool.jsonl:1: is not valid JSON" },
        { "pool.jsonl", "{\"text\":\"a\\u0000b\",\"label\":\"x\"}\n", "pool.jsonl:1: 'text' contains the control character U+0000" },
        { "pool.jsonl", "{\"text\":\"a\\ud800b\",\"label\":\"x\"}\n", "pool.jsonl:1:" },
        { "pool.jsonl", "{\"label\":\"x\"}\n", "pool.jsonl:1: 'text' is missing or empty" },
        { "pool.jsonl", "{\"text\":\"" + new string('x', 1_100_000) + "\",\"label\":\"x\"}\n", "pool.jsonl:1: is 1,100,023 bytes long; a line may be at most 1,048,576 bytes" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void A_file_that_is_not_what_the_reader_assumes_is_refused_with_file_line_and_problem(string name, string content, string expected)
    {
        var path = Write(name, content);

        var error = Assert.Throws<DataFileException>(() => DataFileReader.Read(path, new DataFileSpec { Path = name }));

        Assert.Contains(expected, error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void A_csv_saved_in_windows_1252_is_refused_with_its_line_and_how_to_re_save_it()
    {
        // "Café wifi: VPN ne se connecte pas, réseau bloqué" as Excel saves it: é is the single byte 0xE9.
        var content = Encoding.Latin1.GetBytes("text,label\nhello,password_reset\n\"Café wifi: VPN ne se connecte pas, réseau bloqué\",vpn_problem\n");
        var path = WriteBytes("pool.csv", content);

        var error = Assert.Throws<DataFileException>(() => DataFileReader.Read(path, new DataFileSpec { Path = "pool.csv" }));

        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}:3: is not valid UTF-8 (byte 0xE9)", error.Message);
        Assert.Contains("Re-save it as UTF-8", error.Message);
    }

    [Theory]
    [InlineData("pool.csv")]
    [InlineData("pool.jsonl")]
    public void A_utf16_file_is_refused(string name)
    {
        var text = name.EndsWith(".csv") ? "text,label\nhello,a\n" : "{\"text\":\"hello\",\"label\":\"a\"}\n";
        var withoutMark = WriteBytes("plain-" + name, Encoding.Unicode.GetBytes(text));
        var withMark = WriteBytes(name, [.. Encoding.Unicode.Preamble, .. Encoding.Unicode.GetBytes(text)]);

        var nul = Assert.Throws<DataFileException>(() => DataFileReader.Read(withoutMark, new DataFileSpec { Path = name }));
        var invalid = Assert.Throws<DataFileException>(() => DataFileReader.Read(withMark, new DataFileSpec { Path = name }));

        Assert.Contains(":1: contains a NUL character (byte 0x00)", nul.Message);
        Assert.Contains(":1: is not valid UTF-8 (byte 0xFF)", invalid.Message);
    }

    [Fact]
    public void A_utf8_byte_order_mark_crlf_line_ends_blank_lines_and_unknown_columns_are_read_correctly()
    {
        var path = WriteBytes("pool.csv", [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(
            "id,text,label\r\n1,Café wifi: VPN ne se connecte pas,vpn_problem\r\n\r\n2,\"line one\r\nline two, \"\"quoted\"\"\",vpn_problem\r\n3,last,a")]);

        var rows = DataFileReader.Read(path, new DataFileSpec { Path = "pool.csv" });

        Assert.Equal(
            [new DataFileRow(2, "Café wifi: VPN ne se connecte pas", "vpn_problem", null),
             new DataFileRow(4, "line one\r\nline two, \"quoted\"", "vpn_problem", null),
             new DataFileRow(6, "last", "a", null)],
            rows);
    }

    [Fact]
    public void Json_lines_with_a_mark_crlf_and_null_properties_are_read_correctly()
    {
        var path = WriteBytes("production.jsonl", [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(
            "{\"text\":\"réseau bloqué\",\"label\":null}\r\n\r\n{\"text\":\"hi\",\"label\":\"greeting\",\"extra\":{\"a\":1}}")]);

        var rows = DataFileReader.Read(path, new DataFileSpec { Path = "production.jsonl" }, labelRequired: false);

        Assert.Equal([new DataFileRow(1, "réseau bloqué", null, null), new DataFileRow(3, "hi", "greeting", null)], rows);
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
        Assert.Contains("'pizza' (1× in file:data/pool.csv) first at data/pool.csv:2", error.Message);
    }
}

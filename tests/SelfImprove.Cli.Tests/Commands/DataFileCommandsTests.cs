using System.Text;
using System.Text.Json.Nodes;
using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

/// <summary>A data file that <c>train</c> would refuse is refused by <c>validate</c> first, with the same message, and nothing is trained.</summary>
public sealed class DataFileCommandsTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    private string WriteAgent(byte[] pool)
    {
        Directory.CreateDirectory(folder.Combine("data"));
        File.WriteAllBytes(folder.Combine("data", "pool.csv"), pool);
        File.WriteAllText(folder.Combine("data", "validation.csv"), "text,label\nmy card is gone,card_lost_or_stolen\nclose it all,account_closure\n");
        File.WriteAllText(folder.Combine("data", "evaluation.csv"), "text,label\nstolen card,card_lost_or_stolen\nshut my account,account_closure\n");
        File.WriteAllText(folder.Combine("data", "production.csv"), "text\nwhere is my card\n");
        return ManifestFiles.WriteSupportRouter(folder, m => m["data"] = JsonNode.Parse("""
            { "source": "files",
              "pool": { "path": "data/pool.csv" }, "validation": { "path": "data/validation.csv" },
              "evaluation": { "path": "data/evaluation.csv" }, "production": { "path": "data/production.csv", "labelColumn": null } }
            """));
    }

    public static TheoryData<string, byte[], string> RefusedPools => new()
    {
        {
            "windows-1252",
            Encoding.Latin1.GetBytes("text,label\nI lost my card,card_lost_or_stolen\n\"Café wifi: VPN ne se connecte pas, réseau bloqué\",account_closure\n"),
            ":3: is not valid UTF-8 (byte 0xE9); it was probably saved in another encoding such as Windows-1252 (Excel's \"CSV\"). Re-save it as UTF-8"
        },
        { "header only", Encoding.UTF8.GetBytes("text,label\n"), ": has no examples: there is no row after the header. Add at least one row." },
        { "unterminated quote", Encoding.UTF8.GetBytes("text,label\nI lost my card,card_lost_or_stolen\n\"close my account,account_closure\n"), ":3: a quoted field that is never closed" },
        { "unknown label", Encoding.UTF8.GetBytes("text,label\nI lost my card,card_lost_or_stolen\norder a pizza,pizza\n"), "'pizza' (1× in file:data/pool.csv) first at data/pool.csv:3" },
    };

    [Theory]
    [MemberData(nameof(RefusedPools))]
    public async Task Validate_and_train_refuse_the_file_with_the_same_message_exit_2_and_nothing_trained(string kind, byte[] pool, string expected)
    {
        var manifest = WriteAgent(pool);
        var store = folder.Combine("store");

        var validate = await CliRunner.RunAsync("validate", manifest);
        var train = await CliRunner.RunAsync("train", "--manifest", manifest, "--store", store);

        Assert.True(validate.ExitCode == 2, $"{kind}: validate exited {validate.ExitCode}: {validate.Output}{validate.Error}");
        Assert.Contains(expected, validate.Error);
        Assert.Empty(validate.Output);
        Assert.True(train.ExitCode == 2, $"{kind}: train exited {train.ExitCode}: {train.Output}{train.Error}");
        Assert.Contains(expected, train.Error);
        Assert.DoesNotContain("   at ", train.Error);
        var problem = validate.Error.Split(Environment.NewLine)[0];
        Assert.Contains(problem, train.Error);
        if (kind != "unknown label") Assert.StartsWith(folder.Combine("data", "pool.csv"), problem);
        Assert.False(Directory.Exists(store) && Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Any(),
            $"{kind}: train stored files: {(Directory.Exists(store) ? string.Join(", ", Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories)) : "")}");
    }

    [Fact]
    public async Task Validate_reads_good_files_and_counts_the_examples()
    {
        var manifest = WriteAgent(Encoding.UTF8.GetBytes("\uFEFFtext,label\r\nI lost my card,card_lost_or_stolen\r\n\"close my account, please\",account_closure\r\n"));

        var result = await CliRunner.RunAsync("validate", manifest);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("data: 2 pool, 2 validation, 2 evaluation, 1 production.", result.Output);
    }

    [Fact]
    public async Task An_approval_timeout_of_TimeSpan_MaxValue_is_refused_by_validate_naming_the_range()
    {
        var manifest = ManifestFiles.WriteSupportRouter(folder, m => m["approval"]!["timeout"] = "10675199.02:48:05");

        var result = await CliRunner.RunAsync("validate", manifest);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.approval.timeout: must not be negative and at most 30 days (\"30.00:00:00\"); got 10675199.02:48:05", result.Error);
    }
}

using System.Text.Json;
using SelfImprove.Testing;
using SelfImprove.Core.Traffic;

namespace SelfImprove.Core.Tests.Traffic;

public sealed class RequestIdsTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 31, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_id_encodes_its_time_to_100_ns_and_parses_back()
    {
        var clock = new ManualClock(Start.AddTicks(1234567));
        var (id, at) = new RequestIds(clock, "3f9a2c1b").Next();

        Assert.Equal("20250131T1200001234567-3f9a2c1b00000001", id);
        Assert.True(RequestIds.TryParseTime(id, out var parsed));
        Assert.Equal(at, parsed);
        Assert.Equal(Start.AddTicks(1234567), parsed);
    }

    [Fact]
    public void Ids_sort_by_time_and_never_repeat_within_or_across_writers()
    {
        var clock = new ManualClock(Start);
        var a = new RequestIds(clock);
        var b = new RequestIds(clock);
        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(a.Next().Id);
            ids.Add(b.Next().Id); // same tick: the writer part keeps them apart
            clock.Advance(TimeSpan.FromTicks(1));
        }

        Assert.NotEqual(a.Writer, b.Writer);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var times = ids.Select(id => RequestIds.TryParseTime(id, out var at) ? at : default).ToArray();
        Assert.Equal(times.Order(), times);
        Assert.Equal(ids.Order(StringComparer.Ordinal).Select(id => id[..RequestIds.TimeLength]), ids.Select(id => id[..RequestIds.TimeLength]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("20250131T1200000000000")]
    [InlineData("20251331T1200000000000-3f9a2c1b00000001")]
    [InlineData("20250131T1200000000000-../../etc")]
    [InlineData("20250131T1200000000000_3f9a2c1b00000001")]
    public void Strings_that_are_no_request_id_do_not_parse(string? text) =>
        Assert.False(RequestIds.TryParseTime(text, out _));

    [Fact]
    public void The_arm_is_written_as_its_wire_name() =>
        Assert.Equal("\"candidate\"", JsonSerializer.Serialize(Arm.Candidate, JsonSerializerOptions.Web));
}

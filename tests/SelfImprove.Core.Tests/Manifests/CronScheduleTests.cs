using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Tests.Manifests;

public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("0 */15 * * * *")]
    [InlineData("0 0 9-17 * * 1-5")]
    [InlineData("30 5,35 * 1 1/2 *")]
    public void Accepts_six_field_expressions(string expression) => Assert.True(CronSchedule.IsValid(expression));

    [Theory]
    [InlineData("*/15 * * * *")]
    [InlineData("0 60 * * * *")]
    [InlineData("0 0 * * * MON")]
    [InlineData("0 0 5-3 * * *")]
    [InlineData("0 */0 * * * *")]
    [InlineData("")]
    public void Refuses_what_a_timer_trigger_would_refuse(string expression) => Assert.False(CronSchedule.IsValid(expression));

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("0 */15 * * * *", "2026-11-30T17:40:00", "2026-11-30T17:45:00")]
    [InlineData("0 */15 * * * *", "2026-11-30T17:45:00", "2026-11-30T18:00:00")] // the window's start is excluded
    [InlineData("* * * * * *", "2026-11-30T17:40:00.400", "2026-11-30T17:40:01")] // whole seconds only
    [InlineData("0 0 9-17 * * 1-5", "2026-11-27T17:00:00", "2026-11-30T09:00:00")] // Friday 17:00 to Monday 09:00
    [InlineData("30 5,35 * 1 1/2 *", "2026-02-01T00:00:00", "2026-03-01T00:05:30")] // 'a/n': from a to the field's end
    [InlineData("0 0 0 29 2 *", "2026-03-01T00:00:00", "2028-02-29T00:00:00")] // a leap day
    [InlineData("0 0 12 13 * 5", "2026-01-01T00:00:00", "2026-02-13T12:00:00")] // day of month and day of week both
    public void The_next_firing_is_the_first_matching_second_after_the_given_time(string expression, string after, string next) =>
        Assert.Equal(At(next), CronSchedule.NextAfter(expression, At(after)));

    [Fact]
    public void A_schedule_that_never_fires_has_no_next_time() => Assert.Null(CronSchedule.NextAfter("0 0 0 31 2 *", At("2026-01-01T00:00:00")));

    [Fact]
    public void An_agent_is_due_when_its_schedule_fires_within_the_window()
    {
        const string quarterHours = "0 */15 * * * *";
        Assert.True(CronSchedule.FiresWithin(quarterHours, At("2026-11-30T17:44:59"), At("2026-11-30T17:45:00")));
        Assert.False(CronSchedule.FiresWithin(quarterHours, At("2026-11-30T17:45:00"), At("2026-11-30T17:59:59")));
        Assert.False(CronSchedule.FiresWithin(quarterHours, At("2026-11-30T17:50:00"), At("2026-11-30T17:40:00")));
    }

    [Fact]
    public void An_invalid_expression_is_named() =>
        Assert.Contains("'0 60 * * * *'", Assert.Throws<ArgumentException>(() => CronSchedule.NextAfter("0 60 * * * *", DateTimeOffset.UnixEpoch)).Message);
}

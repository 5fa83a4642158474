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
}

using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Tests.Deployment;

public sealed class BakePolicyTests
{
    private static readonly DeploymentSpec Deployment = new() { BakeTime = TimeSpan.FromDays(1) };
    private static readonly ArmResult Trial = new("v2", 2000, 1000, 900); // 90 % in its trial

    [Fact]
    public void A_clear_drop_below_the_trials_accuracy_is_named_with_both_figures()
    {
        var (bounds, drop) = BakePolicy.Judge(Deployment, Trial, new BernoulliCount(1000, 780));

        Assert.True(bounds.Upper < -Deployment.Margin);
        Assert.Contains("live accuracy 0.780 on 1000 labelled answers since the promotion against 0.900 on 1000 in its trial", drop);
        Assert.Contains("within deployment.bakeTime", drop);
    }

    [Theory]
    [InlineData(1000, 895)] // the same accuracy
    [InlineData(30, 24)]    // 80 %, but on 30 answers the bound is still wide
    public void Live_accuracy_in_line_with_the_trial_or_too_little_of_it_is_no_drop(int answers, int right)
    {
        Assert.Null(BakePolicy.Judge(Deployment, Trial, new BernoulliCount(answers, right)).Drop);
    }

    [Fact]
    public void Bake_time_is_off_by_default()
    {
        Assert.Equal(TimeSpan.Zero, new DeploymentSpec().BakeTime);
    }
}

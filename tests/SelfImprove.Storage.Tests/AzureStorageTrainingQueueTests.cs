using SelfImprove.Core.Ports;
using SelfImprove.Core.Training;

namespace SelfImprove.Storage.Tests;

/// <summary>The training queue on Azure Storage Queues (Azurite): delivery, lease renewal, lapsed leases, hand-back and the poison queue.</summary>
public sealed class AzureStorageTrainingQueueTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private AzureStorageTrainingQueue NewQueue() => new(azurite.Azurite.ConnectionString, $"training-{Guid.NewGuid():N}"[..30]);

    private static TrainingJobSpec Job(string runId = "support-router-1") => new()
    {
        JobId = TrainingJobSpec.JobIdOf(runId, 1), AgentId = "support-router", RunId = runId, Attempt = 1, ParentVersionId = "v1",
        Data = [new TrainingDataBlob { Name = "agents/support-router/batches/x.json", Sha256 = TrainingDataBlob.HashOf("[]"u8) }],
        ResultBlob = "r", StatusBlob = "s", HeartbeatBlob = "h",
    };

    [Fact]
    public async Task A_taken_job_stays_invisible_while_renewed_and_is_gone_once_completed()
    {
        var queue = NewQueue();
        await queue.SendAsync(Job());

        var lease = await queue.ReceiveAsync(Long);
        Assert.NotNull(lease);
        Assert.Equal(("support-router-1.attempt-1", 1, "v1"), (lease.Job.JobId, lease.DequeueCount, lease.Job.ParentVersionId));
        Assert.Equal(Job().Data[0], Assert.Single(lease.Job.Data));
        Assert.Null(await queue.ReceiveAsync(Long));

        var renewed = await queue.RenewAsync(lease, Long);
        Assert.NotEqual(lease.Receipt, renewed.Receipt);
        await Assert.ThrowsAsync<TrainingLeaseLostException>(() => queue.CompleteAsync(lease)); // the old receipt no longer holds it
        await queue.CompleteAsync(renewed);
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_released_job_is_delivered_again_with_its_count()
    {
        var queue = NewQueue();
        await queue.SendAsync(Job());
        var first = (await queue.ReceiveAsync(Long))!;

        await queue.ReleaseAsync(first);
        var second = await queue.ReceiveAsync(Long);

        Assert.Equal((first.MessageId, 2), (second!.MessageId, second.DequeueCount));
    }

    [Fact]
    public async Task A_poisoned_job_leaves_the_queue_with_its_reason()
    {
        var queue = NewQueue();
        await queue.SendAsync(Job());
        var lease = (await queue.ReceiveAsync(Long))!;

        await queue.PoisonAsync(lease, "delivered 6 times");

        Assert.Equal([("support-router-1.attempt-1", "delivered 6 times")], await queue.PeekPoisonAsync());
        await queue.ReleaseAsync(lease); // gone: nothing to hand back, no error
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_message_that_is_not_a_job_is_moved_to_the_poison_queue_with_a_clear_error()
    {
        var name = $"training-{Guid.NewGuid():N}"[..30];
        var queue = new AzureStorageTrainingQueue(azurite.Azurite.ConnectionString, name);
        await queue.PeekPoisonAsync(); // creates both queues
        var raw = new Azure.Storage.Queues.QueueClient(azurite.Azurite.ConnectionString, name, new() { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
        await raw.SendMessageAsync("hello");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => queue.ReceiveAsync(Long));

        Assert.Contains("is not a training job", error.Message);
        Assert.Contains(name + "-poison", error.Message);
        Assert.Single(await queue.PeekPoisonAsync());
    }

    [Theory]
    [InlineData("Training")]
    [InlineData("tr")]
    [InlineData("a--b")]
    [InlineData("-abc")]
    public void A_queue_name_Azure_would_refuse_is_refused_with_the_rule(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new AzureStorageTrainingQueue("UseDevelopmentStorage=true", name));

        Assert.Contains("lower-case letters, digits and single '-'", error.Message);
    }
}

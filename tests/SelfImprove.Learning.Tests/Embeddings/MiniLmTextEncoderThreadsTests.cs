using SelfImprove.Learning.Embeddings;

namespace SelfImprove.Learning.Tests.Embeddings;

/// <summary>The encoder's CPU threads (a worker's <c>--threads</c>): the same embeddings on one thread, and a clear error out of range.</summary>
[Collection(EncoderCollection.Name)]
public sealed class MiniLmTextEncoderThreadsTests(EncoderFixture fixture)
{
    [Fact]
    public void One_thread_gives_the_embeddings_of_one_thread_per_core()
    {
        string[] texts = ["my card was stolen", "how do I change my PIN", "the transfer to my landlord failed"];
        using var single = new MiniLmTextEncoder(threads: 1);

        var one = single.Encode(texts);
        var all = fixture.MiniLm.Encode(texts);

        Assert.Equal((1, Environment.ProcessorCount), (single.Threads, fixture.MiniLm.Threads));
        for (var i = 0; i < texts.Length; i++)
            Assert.All(one[i].Zip(all[i]), pair => Assert.Equal(pair.Second, pair.First, 1e-5f));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void A_thread_count_out_of_range_is_refused_naming_the_range(int threads)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MiniLmTextEncoder(threads: threads));

        Assert.Equal("threads", error.ParamName);
        Assert.Contains("between 1 and 1024", error.Message);
    }
}

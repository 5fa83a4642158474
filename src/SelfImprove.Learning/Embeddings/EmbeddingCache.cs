using System.Security.Cryptography;
using System.Text;

namespace SelfImprove.Learning.Embeddings;

/// <summary>
/// Embeddings keyed by the SHA-256 of the text, kept in memory up to <see cref="MaxEntries"/> (the least recently used
/// evicted first) and, when a folder is given, in an append-only file per encoder so that a retrain only pays for texts
/// it has never seen. The file keeps every text ever added (1,568 bytes each for 384-d vectors); at load the most
/// recently appended <see cref="MaxEntries"/> are kept in memory. A torn last record (crash mid-append) is ignored on load.
/// </summary>
public sealed class EmbeddingCache
{
    private const int HashBytes = 32;
    private readonly Dictionary<string, LinkedListNode<(string Key, float[] Vector)>> vectors = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, float[] Vector)> recency = new(); // most recently used first
    private readonly int dimension;
    private readonly string? file;
    private readonly Lock gate = new();
    private long evicted;

    /// <param name="encoderId">The encoder's model id; one file per encoder.</param>
    /// <param name="dimension">Vector length.</param>
    /// <param name="directory">Where the cache file lives; null keeps the cache in memory only.</param>
    /// <param name="maxEntries">Most vectors kept in memory (at least 1); the least recently used go first. Default: no limit.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxEntries"/> is below 1.</exception>
    public EmbeddingCache(string encoderId, int dimension, string? directory, int maxEntries = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        this.dimension = dimension;
        MaxEntries = maxEntries;
        if (directory is null) return;
        Directory.CreateDirectory(directory);
        file = Path.Combine(directory, $"{encoderId}.{dimension}.embeddings");
        Load(file);
    }

    /// <summary>Most vectors kept in memory.</summary>
    public int MaxEntries { get; }

    /// <summary>Vectors in memory now.</summary>
    public int Count
    {
        get { lock (gate) return vectors.Count; }
    }

    /// <summary>Vectors evicted from memory so far to stay within <see cref="MaxEntries"/>.</summary>
    public long Evicted
    {
        get { lock (gate) return evicted; }
    }

    /// <summary>The text's vector when it is in memory (it becomes the most recently used).</summary>
    public bool TryGet(string text, out float[] vector)
    {
        var key = Key(text);
        lock (gate)
        {
            if (!vectors.TryGetValue(key, out var node))
            {
                vector = null!;
                return false;
            }
            recency.Remove(node);
            recency.AddFirst(node);
            vector = node.Value.Vector;
            return true;
        }
    }

    /// <summary>Adds vectors (texts already cached are left as they are); with a folder, appends the new ones to its file.</summary>
    public void AddRange(IReadOnlyList<string> texts, IReadOnlyList<float[]> newVectors)
    {
        lock (gate)
        {
            using var stream = file is null ? null : new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
            for (var i = 0; i < texts.Count; i++)
            {
                var hash = SHA256.HashData(Encoding.UTF8.GetBytes(texts[i]));
                if (!Put(Convert.ToHexString(hash), newVectors[i]) || stream is null) continue;
                // One write per record: appends from two processes sharing the file never interleave inside a record.
                var record = new byte[HashBytes + dimension * sizeof(float)];
                hash.CopyTo(record, 0);
                Buffer.BlockCopy(newVectors[i], 0, record, HashBytes, dimension * sizeof(float));
                stream.Write(record);
                stream.Flush();
            }
        }
    }

    /// <summary>Puts a vector in memory as the most recently used, evicting the least recently used beyond the limit; false when the key was there.</summary>
    private bool Put(string key, float[] vector)
    {
        if (vectors.ContainsKey(key)) return false;
        vectors[key] = recency.AddFirst((key, vector));
        while (vectors.Count > MaxEntries)
        {
            var last = recency.Last!;
            recency.RemoveLast();
            vectors.Remove(last.Value.Key);
            evicted++;
        }
        return true;
    }

    private void Load(string path)
    {
        if (!File.Exists(path)) return;
        var recordBytes = HashBytes + dimension * sizeof(float);
        var bytes = File.ReadAllBytes(path);
        for (var offset = 0; offset + recordBytes <= bytes.Length; offset += recordBytes)
        {
            var key = Convert.ToHexString(bytes, offset, HashBytes);
            var vector = new float[dimension];
            Buffer.BlockCopy(bytes, offset + HashBytes, vector, 0, dimension * sizeof(float));
            Put(key, vector);
        }
    }

    private static string Key(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

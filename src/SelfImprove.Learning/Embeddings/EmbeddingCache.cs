using System.Security.Cryptography;
using System.Text;

namespace SelfImprove.Learning.Embeddings;

/// <summary>
/// Embeddings keyed by the SHA-256 of the text, kept in memory and, when a folder is given, in an
/// append-only file per encoder so that a retrain only pays for texts it has never seen.
/// A torn last record (crash mid-append) is ignored on load.
/// </summary>
public sealed class EmbeddingCache
{
    private const int HashBytes = 32;
    private readonly Dictionary<string, float[]> vectors = new(StringComparer.Ordinal);
    private readonly int dimension;
    private readonly string? file;
    private readonly Lock gate = new();

    /// <param name="encoderId">The encoder's model id; one file per encoder.</param>
    /// <param name="dimension">Vector length.</param>
    /// <param name="directory">Where the cache file lives; null keeps the cache in memory only.</param>
    public EmbeddingCache(string encoderId, int dimension, string? directory)
    {
        this.dimension = dimension;
        if (directory is null) return;
        Directory.CreateDirectory(directory);
        file = Path.Combine(directory, $"{encoderId}.{dimension}.embeddings");
        Load(file);
    }

    public int Count
    {
        get { lock (gate) return vectors.Count; }
    }

    public bool TryGet(string text, out float[] vector)
    {
        lock (gate) return vectors.TryGetValue(Key(text), out vector!);
    }

    public void AddRange(IReadOnlyList<string> texts, IReadOnlyList<float[]> newVectors)
    {
        lock (gate)
        {
            using var stream = file is null ? null : new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
            for (var i = 0; i < texts.Count; i++)
            {
                var hash = SHA256.HashData(Encoding.UTF8.GetBytes(texts[i]));
                if (!vectors.TryAdd(Convert.ToHexString(hash), newVectors[i]) || stream is null) continue;
                // One write per record: appends from two processes sharing the file never interleave inside a record.
                var record = new byte[HashBytes + dimension * sizeof(float)];
                hash.CopyTo(record, 0);
                Buffer.BlockCopy(newVectors[i], 0, record, HashBytes, dimension * sizeof(float));
                stream.Write(record);
                stream.Flush();
            }
        }
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
            vectors[key] = vector;
        }
    }

    private static string Key(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

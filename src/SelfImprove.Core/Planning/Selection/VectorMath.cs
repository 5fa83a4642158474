using System.Numerics;
using System.Runtime.InteropServices;

namespace SelfImprove.Core.Planning.Selection;

/// <summary>Dot products and squared distances of float vectors, with the machine's SIMD width (<see cref="Vector{T}"/>).</summary>
public static class VectorMath
{
    /// <summary>Σ a[i]·b[i] over the shorter length.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var n = Math.Min(a.Length, b.Length);
        var i = 0;
        var sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a[..n]);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..n]);
            var acc = Vector<float>.Zero;
            for (var k = 0; k < va.Length; k++) acc += va[k] * vb[k];
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>‖a − b‖², over the shorter length.</summary>
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var n = Math.Min(a.Length, b.Length);
        var i = 0;
        var sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a[..n]);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..n]);
            var acc = Vector<float>.Zero;
            for (var k = 0; k < va.Length; k++)
            {
                var d = va[k] - vb[k];
                acc += d * d;
            }
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < n; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Top-two gap of each probability vector: the smaller, the less sure the model (Scheffer et al. 2001).</summary>
    public static double[] Margins(IReadOnlyList<float[]> probabilities)
    {
        var margins = new double[probabilities.Count];
        for (var i = 0; i < margins.Length; i++)
        {
            var (best, second) = (float.NegativeInfinity, float.NegativeInfinity);
            foreach (var p in probabilities[i])
            {
                if (p > best) (second, best) = (best, p);
                else if (p > second) second = p;
            }
            margins[i] = float.IsNegativeInfinity(second) ? 1 : best - second;
        }
        return margins;
    }

    /// <summary>Indices 0..n−1 by margin, least sure first; ties by index, so the order is stable.</summary>
    public static int[] ByMargin(IReadOnlyList<double> margins) =>
        Enumerable.Range(0, margins.Count).OrderBy(i => margins[i]).ThenBy(i => i).ToArray();

    internal static void Check(IReadOnlyList<float[]>? probabilities, IReadOnlyList<float[]> embeddings, int budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        if (probabilities is not null && probabilities.Count != embeddings.Count)
            throw new ArgumentException($"{probabilities.Count} probability vectors for {embeddings.Count} embeddings: give one of each per request.", nameof(probabilities));
        if (embeddings.Count == 0) return;
        var dimension = embeddings[0].Length;
        for (var i = 0; i < embeddings.Count; i++)
            if (embeddings[i] is null || embeddings[i].Length != dimension)
                throw new ArgumentException($"Embedding {i} has {embeddings[i]?.Length ?? 0} dimensions, embedding 0 has {dimension}: every request needs an embedding of the same encoder.", nameof(embeddings));
        if (probabilities is null) return;
        var classes = probabilities[0].Length;
        for (var i = 0; i < probabilities.Count; i++)
            if (probabilities[i] is null || probabilities[i].Length != classes || classes == 0)
                throw new ArgumentException($"Probability vector {i} has {probabilities[i]?.Length ?? 0} classes, vector 0 has {classes}: every request needs the same model's probabilities.", nameof(probabilities));
    }
}

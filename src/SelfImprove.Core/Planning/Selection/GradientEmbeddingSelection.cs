namespace SelfImprove.Core.Planning.Selection;

/// <summary>
/// BADGE (Ash, Zhang, Krishnamurthy, Langford, Agarwal, "Deep Batch Active Learning by Diverse, Uncertain Gradient
/// Lower Bounds", ICLR 2020): k-means++ seeding over the gradient embeddings of the loss at the model's own guess.
/// For a softmax head on features x the gradient with respect to the head's weights, taking the prediction ŷ as the
/// label, is g = (p − onehot(ŷ)) ⊗ x: its norm grows with uncertainty, its direction tells requests apart, so the
/// batch is both unsure and diverse. The first pick is the largest gradient (as in the authors' code), each next
/// one is drawn with probability ∝ D², its squared distance to the nearest pick.
/// The outer product (classes × dimensions) is never built:
/// ‖g_i − g_j‖² = ‖u_i‖²‖x_i‖² + ‖u_j‖²‖x_j‖² − 2 (u_i·u_j)(x_i·x_j) with u = p − onehot(ŷ).
/// Cost: budget passes over the requests, each O(classes + dimensions) per request.
/// </summary>
public static class GradientEmbeddingSelection
{
    /// <summary>
    /// Picks up to <paramref name="budget"/> requests; returns their indices in pick order. Deterministic for a seed.
    /// </summary>
    /// <param name="probabilities">Per request, the model's class probabilities (shares in [0,1], one vector length for all).</param>
    /// <param name="embeddings">Per request, the features the head reads (the encoder's embedding, one dimension for all).</param>
    /// <param name="budget">How many to pick.</param>
    /// <param name="seed">Seeds the D² draws.</param>
    /// <exception cref="ArgumentException">The lists differ in length, or vectors differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative.</exception>
    public static int[] Select(IReadOnlyList<float[]> probabilities, IReadOnlyList<float[]> embeddings, int budget, int seed)
    {
        VectorMath.Check(probabilities, embeddings, budget);
        var n = embeddings.Count;
        if (budget == 0 || n == 0) return [];
        if (budget >= n) return Enumerable.Range(0, n).ToArray();

        // u = p − onehot(ŷ), and each gradient's squared norm ‖u‖²‖x‖².
        var u = new float[n][];
        var norm2 = new double[n];
        Parallel.For(0, n, i =>
        {
            var p = probabilities[i];
            var ui = (float[])p.Clone();
            var top = 0;
            for (var c = 1; c < p.Length; c++) if (p[c] > p[top]) top = c;
            ui[top] -= 1f;
            u[i] = ui;
            norm2[i] = (double)VectorMath.Dot(ui, ui) * VectorMath.Dot(embeddings[i], embeddings[i]);
        });

        var random = new Random(seed);
        var minD2 = new double[n];
        var first = 0;
        for (var i = 1; i < n; i++) if (norm2[i] > norm2[first]) first = i;
        var chosen = new List<int>(budget) { first };
        var picked = new bool[n];
        picked[first] = true;
        Array.Fill(minD2, double.PositiveInfinity);
        var centre = first;
        while (chosen.Count < budget)
        {
            var (uc, xc, nc) = (u[centre], embeddings[centre], norm2[centre]);
            Parallel.For(0, n, i =>
            {
                if (picked[i]) { minD2[i] = 0; return; }
                var d = norm2[i] + nc - 2.0 * VectorMath.Dot(u[i], uc) * VectorMath.Dot(embeddings[i], xc);
                if (d < minD2[i]) minD2[i] = Math.Max(0, d);
            });
            centre = KMeans.Draw(minD2, null, random);
            // Only duplicates of picks are left: take the largest remaining gradients.
            if (centre < 0) centre = Enumerable.Range(0, n).Where(i => !picked[i]).MaxBy(i => norm2[i]);
            chosen.Add(centre);
            picked[centre] = true;
        }
        return chosen.ToArray();
    }
}

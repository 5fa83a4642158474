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
/// Cost: budget passes over the requests, each O(classes + dimensions) per request that the triangle inequality does
/// not rule out (Elkan, "Using the Triangle Inequality to Accelerate k-Means", ICML 2003): a request is skipped when
/// the gap between its gradient's norm and the pick's, or half the distance from its nearest pick to the new one, is
/// already no less than its distance to that nearest pick, or when the class factor alone with |x_i·x_c| ≤ ‖x_i‖‖x_c‖
/// (Cauchy–Schwarz) bounds it so. The pruning is exact: the picks are those of the plain loop.
/// </summary>
public static class GradientEmbeddingSelection
{
    /// <summary>A bound must clear the current distance by this factor to skip a request, so float rounding never skips a real update.</summary>
    private const double Slack = 1 + 1e-6;

    /// <summary>‖g_i − g_j‖² from the factors: ‖u_i‖²‖x_i‖² + ‖u_j‖²‖x_j‖² − 2 (u_i·u_j)(x_i·x_j), at least 0.</summary>
    private static double Distance2(double normI, float[] ui, float[] xi, double normJ, float[] uj, float[] xj) =>
        Math.Max(0, normI + normJ - 2.0 * VectorMath.Dot(ui, uj) * VectorMath.Dot(xi, xj));

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
        var xNorm = new double[n];
        Parallel.For(0, n, i =>
        {
            var p = probabilities[i];
            var ui = (float[])p.Clone();
            var top = 0;
            for (var c = 1; c < p.Length; c++) if (p[c] > p[top]) top = c;
            ui[top] -= 1f;
            u[i] = ui;
            xNorm[i] = Math.Sqrt(VectorMath.Dot(embeddings[i], embeddings[i]));
            norm2[i] = VectorMath.Dot(ui, ui) * xNorm[i] * xNorm[i];
        });

        var random = new Random(seed);
        var minD2 = new double[n];
        var nearest = new int[n]; // per request, the position in chosen of its nearest pick
        var first = 0;
        for (var i = 1; i < n; i++) if (norm2[i] > norm2[first]) first = i;
        var chosen = new List<int>(budget) { first };
        var picked = new bool[n];
        picked[first] = true;
        Array.Fill(minD2, double.PositiveInfinity);
        var centre = first;
        var between = new double[budget]; // squared distance of each earlier pick to the newest
        while (chosen.Count < budget)
        {
            var (uc, xc, nc) = (u[centre], embeddings[centre], norm2[centre]);
            var newest = chosen.Count - 1;
            for (var j = 0; j < newest; j++)
                between[j] = Distance2(norm2[chosen[j]], u[chosen[j]], embeddings[chosen[j]], nc, uc, xc);
            var rootC = Math.Sqrt(nc);
            var xNormC = xNorm[centre];
            Parallel.For(0, n, i =>
            {
                if (picked[i]) { minD2[i] = 0; return; }
                var current = minD2[i] * Slack;
                // Exact pruning by the triangle inequality (the pick cannot be nearer than the current nearest):
                // ‖g_i − g_c‖ ≥ |‖g_i‖ − ‖g_c‖|, and ‖g_i − g_c‖ ≥ ‖g_c − g_near‖ − ‖g_i − g_near‖ (Elkan, ICML 2003).
                var gap = Math.Sqrt(norm2[i]) - rootC;
                if (gap * gap >= current) return;
                if (newest > 0 && between[nearest[i]] >= 4 * current) return;
                // Cauchy–Schwarz on the embedding factor, |x_i·x_c| ≤ ‖x_i‖‖x_c‖, bounds the distance from the cheap class factor.
                var uu = (double)VectorMath.Dot(u[i], uc);
                if (norm2[i] + nc - 2.0 * Math.Abs(uu) * xNorm[i] * xNormC >= current) return;
                var d = Math.Max(0, norm2[i] + nc - 2.0 * uu * VectorMath.Dot(embeddings[i], xc));
                if (d < minD2[i]) (minD2[i], nearest[i]) = (d, newest);
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

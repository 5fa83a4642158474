using SelfImprove.Core.Datasets;

namespace SelfImprove.Core.Evaluation;

/// <summary>One request the candidate answers differently from the serving version.</summary>
/// <param name="Text">The request (as logged: redacted when the manifest says so).</param>
/// <param name="TrueIntent">Its label.</param>
/// <param name="ServingIntent">The serving version's answer.</param>
/// <param name="CandidateIntent">The candidate's answer.</param>
public sealed record ChangedAnswer(string Text, string TrueIntent, string ServingIntent, string CandidateIntent);

/// <summary>
/// What would change for the agent's users: the serving version and the candidate on the same labelled requests, how
/// many answers the candidate fixes (serving wrong, candidate right) and breaks (serving right, candidate wrong), and a
/// sample of the changed answers a person can read before approving.
/// </summary>
/// <param name="On">What the requests are, in words (e.g. <c>300 recent labelled requests</c>).</param>
/// <param name="Requests">How many requests both answered.</param>
/// <param name="ServingCorrect">How many the serving version got right.</param>
/// <param name="CandidateCorrect">How many the candidate got right.</param>
/// <param name="Fixed">Serving wrong, candidate right.</param>
/// <param name="Broken">Serving right, candidate wrong.</param>
/// <param name="OtherChanged">Both wrong, with different answers.</param>
/// <param name="Sample">Changed answers, broken and fixed ones alternating (broken first), in request order within each kind.</param>
public sealed record AnswerChanges(string On, int Requests, int ServingCorrect, int CandidateCorrect, int Fixed, int Broken, int OtherChanged, IReadOnlyList<ChangedAnswer> Sample)
{
    /// <summary>Compares the two versions' answers to <paramref name="requests"/> (one answer of each per request, in order).</summary>
    /// <param name="sampleSize">Most changed answers to keep, at least 0.</param>
    /// <exception cref="ArgumentException">The answers do not match the requests one for one.</exception>
    public static AnswerChanges Compare(string on, IReadOnlyList<LabeledExample> requests, IReadOnlyList<string> servingIntents,
        IReadOnlyList<string> candidateIntents, int sampleSize)
    {
        if (servingIntents.Count != requests.Count || candidateIntents.Count != requests.Count)
            throw new ArgumentException($"{servingIntents.Count} serving and {candidateIntents.Count} candidate answers for {requests.Count} requests: give one of each per request.");
        ArgumentOutOfRangeException.ThrowIfNegative(sampleSize);
        int servingCorrect = 0, candidateCorrect = 0, other = 0;
        var (broken, fixedOnes) = (new List<ChangedAnswer>(), new List<ChangedAnswer>());
        for (var i = 0; i < requests.Count; i++)
        {
            var (label, s, c) = (requests[i].Label, servingIntents[i], candidateIntents[i]);
            if (s == label) servingCorrect++;
            if (c == label) candidateCorrect++;
            if (s == c) continue;
            var changed = new ChangedAnswer(requests[i].Text, label, s, c);
            if (s == label) broken.Add(changed);
            else if (c == label) fixedOnes.Add(changed);
            else other++;
        }
        var sample = new List<ChangedAnswer>(sampleSize);
        for (var k = 0; sample.Count < sampleSize && (k < broken.Count || k < fixedOnes.Count); k++)
        {
            if (k < broken.Count) sample.Add(broken[k]);
            if (k < fixedOnes.Count && sample.Count < sampleSize) sample.Add(fixedOnes[k]);
        }
        return new AnswerChanges(on, requests.Count, servingCorrect, candidateCorrect, fixedOnes.Count, broken.Count, other, sample);
    }
}

namespace SelfImprove.Steps;

/// <summary>
/// Something that keeps data about a subject (a person or session, by the key callers send with <c>predict</c>): the
/// erasure route (<c>DELETE /api/agents/{id}/subjects/{subject}</c>) calls every registered implementation. Register
/// one with <c>services.AddSingleton&lt;ISubjectData&gt;(…)</c>; the traffic log and the feedback log are registered by
/// <see cref="LoopServices.AddSelfImproveLoop"/>.
/// </summary>
public interface ISubjectData
{
    /// <summary>Erases everything this store keeps about <paramref name="subject"/> for the agent; returns how many records it erased.</summary>
    Task<int> EraseSubjectAsync(string agentId, string subject, CancellationToken ct);
}

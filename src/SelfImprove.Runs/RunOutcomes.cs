using SelfImprove.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Runs;

/// <summary>What became of a person's approval decision.</summary>
public enum ApprovalOutcome
{
    /// <summary>Recorded and delivered to the run.</summary>
    Accepted,

    /// <summary>No improvement run has that id.</summary>
    UnknownRun,

    /// <summary>The token is not one issued for this run.</summary>
    InvalidToken,

    /// <summary>The token was issued for this run, but its approval window has closed.</summary>
    ExpiredToken,

    /// <summary>The run took a decision already (or its window closed without one).</summary>
    AlreadyDecided,

    /// <summary>The run has ended and waits for no decision.</summary>
    NotWaiting,
}

/// <summary>What became of a decision, with the words to tell the person.</summary>
/// <param name="Standing">The decision that stands, when one is recorded.</param>
public sealed record ApprovalResult(ApprovalOutcome Outcome, string Message, RecordedApproval? Standing = null);

/// <summary>What became of a submission of demonstrated samples.</summary>
public enum DemonstrationOutcome
{
    /// <summary>Checked, stored, and the run told.</summary>
    Accepted,

    /// <summary>No improvement run has that id.</summary>
    UnknownRun,

    /// <summary>The run is not waiting for demonstrations.</summary>
    NotWaiting,

    /// <summary>The samples were refused; nothing was stored.</summary>
    Invalid,
}

/// <summary>What became of a submission, with the words to tell the person; <see cref="Received"/> when accepted.</summary>
/// <param name="Problems">When invalid: one "path: what to fix" line per problem.</param>
public sealed record DemonstrationResult(DemonstrationOutcome Outcome, string Message, DemonstrationsReceived? Received = null, IReadOnlyList<string>? Problems = null);

/// <summary>What a command on a run (terminate, purge, raise an event) found.</summary>
public enum RunCommandOutcome
{
    /// <summary>Carried out.</summary>
    Done,

    /// <summary>No improvement run has that id.</summary>
    UnknownRun,

    /// <summary>Terminate or raise an event: the run has ended already. Purge: the run has not ended yet.</summary>
    WrongState,

    /// <summary>Raise an event: the event is one only its own route may raise (approval, demonstrations).</summary>
    ReservedEvent,
}

/// <summary>The outcome of a command and the run as it stands afterwards (null for an unknown run).</summary>
public sealed record RunCommandResult(RunCommandOutcome Outcome, string Message, RunSnapshot? Run = null)
{
    /// <summary>Purge: how many instances were purged (1, or 0 when another caller purged it first).</summary>
    public int Purged { get; init; }
}

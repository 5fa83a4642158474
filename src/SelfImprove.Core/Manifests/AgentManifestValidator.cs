using System.Text.RegularExpressions;
using FluentValidation;

namespace SelfImprove.Core.Manifests;

/// <summary>
/// The rules a manifest must meet before anything runs. Messages say what is allowed and what was found;
/// <see cref="ManifestLoader"/> turns property paths into JSON paths.
/// </summary>
public sealed partial class AgentManifestValidator : AbstractValidator<AgentManifest>
{
    /// <param name="manifestDirectory">Folder that relative file paths are resolved against; null skips the file-exists checks.</param>
    public AgentManifestValidator(string? manifestDirectory = null)
    {
        RuleFor(m => m.AgentId)
            .Matches(AgentIdPattern())
            .WithMessage("must be 2–63 characters of lower-case letters, digits and '-', starting with a letter or digit (it names storage folders and run ids); got '{PropertyValue}'.");

        RuleFor(m => m.Goal.Metric).IsInEnum().WithMessage(OneOf<GoalMetric>());
        RuleFor(m => m.Goal.Target).InclusiveBetween(0, 1).WithMessage(Fraction);
        RuleFor(m => m.Goal.Objective).IsInEnum().WithMessage(OneOf<GoalObjective>());
        RuleFor(m => m.Goal.AcceptableRange.Min).InclusiveBetween(0, 1).WithMessage(Fraction);
        RuleFor(m => m.Goal.AcceptableRange.Max).InclusiveBetween(0, 1).WithMessage(Fraction);
        RuleFor(m => m.Goal.AcceptableRange.Min)
            .LessThanOrEqualTo(m => m.Goal.Target)
            .WithMessage("must not exceed the goal's target ({ComparisonValue}); got {PropertyValue}. The acceptable range is where the agent is healthy without improving.");
        RuleFor(m => m.Goal.AcceptableRange.Max)
            .GreaterThanOrEqualTo(m => m.Goal.Target)
            .WithMessage("must be at least the goal's target ({ComparisonValue}); got {PropertyValue}.");

        RuleFor(m => m.Data.Source).IsInEnum().WithMessage(OneOf<DataSourceKind>());
        When(m => m.Data.Source is DataSourceKind.Generator, () =>
        {
            RuleFor(m => m.Data.Generator).NotNull().WithMessage("is required when data.source is 'generator'.");
            RuleFor(m => m.Data.Generator!.Name).IsInEnum().WithMessage(OneOf<DataGenerator>()).When(m => m.Data.Generator is not null);
            RuleFor(m => m.Data.Generator!.Seed).GreaterThanOrEqualTo(0).When(m => m.Data.Generator is not null).WithMessage("must be 0 or more; got {PropertyValue}.");
            RuleFor(m => m.Data.Generator!.PoolPerIntent).InclusiveBetween(1, ManifestLimits.MaxPerIntent).When(m => m.Data.Generator is not null).WithMessage(PositiveUpTo(ManifestLimits.MaxPerIntent));
            RuleFor(m => m.Data.Generator!.ValidationPerIntent).InclusiveBetween(1, ManifestLimits.MaxPerIntent).When(m => m.Data.Generator is not null).WithMessage(PositiveUpTo(ManifestLimits.MaxPerIntent));
            RuleFor(m => m.Data.Generator!.EvaluationPerIntent).InclusiveBetween(1, ManifestLimits.MaxPerIntent).When(m => m.Data.Generator is not null).WithMessage(PositiveUpTo(ManifestLimits.MaxPerIntent));
            RuleFor(m => m.Data.Generator!.ProductionSize).InclusiveBetween(1, ManifestLimits.MaxRequests).When(m => m.Data.Generator is not null).WithMessage(PositiveUpTo(ManifestLimits.MaxRequests));
            RuleFor(m => m.Data.Generator!.DriftPoint).ExclusiveBetween(0, 1).When(m => m.Data.Generator is not null)
                .WithMessage("must be a fraction of the stream strictly between 0 and 1; got {PropertyValue}.");
        });
        When(m => m.Data.Source is DataSourceKind.Files, () =>
        {
            RuleFor(m => m.Data.Pool).NotNull().WithMessage(RequiredFile).SetValidator(new DataFileValidator(manifestDirectory, labelRequired: true)!);
            RuleFor(m => m.Data.Validation).NotNull().WithMessage(RequiredFile).SetValidator(new DataFileValidator(manifestDirectory, labelRequired: true)!);
            RuleFor(m => m.Data.Evaluation).NotNull().WithMessage(RequiredFile).SetValidator(new DataFileValidator(manifestDirectory, labelRequired: true)!);
            RuleFor(m => m.Data.Production).NotNull().WithMessage(RequiredFile).SetValidator(new DataFileValidator(manifestDirectory, labelRequired: false)!);
        });

        RuleFor(m => m.Labels).Must(l => l.Count is >= 2 and <= ManifestLimits.MaxLabels)
            .WithMessage(m => $"must list at least 2 intents and at most {ManifestLimits.MaxLabels}; got {m.Labels.Count}.");
        RuleForEach(m => m.Labels).ChildRules(label =>
        {
            label.RuleFor(l => l.Name).Matches(NamePattern()).WithMessage("must be a non-empty name with no spaces (as the data files spell the label); got '{PropertyValue}'.");
            label.RuleFor(l => l.Action).Matches(NamePattern()).WithMessage("must name the route or tool this intent is sent to, with no spaces; got '{PropertyValue}'.");
        });
        RuleFor(m => m.Labels)
            .Must(l => l.Select(x => x.Name).Distinct(StringComparer.Ordinal).Count() == l.Count)
            .WithMessage(m => $"must not repeat an intent; repeated: {string.Join(", ", m.Labels.GroupBy(x => x.Name).Where(g => g.Count() > 1).Select(g => g.Key))}.");

        RuleFor(m => m.Monitoring.Schedule).Must(CronSchedule.IsValid)
            .WithMessage("must be a six-field cron expression (second minute hour day month day-of-week), e.g. '0 */15 * * * *'; got '{PropertyValue}'.");
        RuleFor(m => m.Monitoring.SampleSize).InclusiveBetween(1, ManifestLimits.MaxRequests).WithMessage(PositiveUpTo(ManifestLimits.MaxRequests));
        RuleFor(m => m.Monitoring.FeedbackShare).InclusiveBetween(0, 1).WithMessage(Fraction);

        RuleFor(m => m.Trigger.Cooldown).InclusiveBetween(TimeSpan.Zero, ManifestLimits.MaxDuration).WithMessage(DurationUpTo);
        RuleFor(m => m.Trigger.MinimumEvidence).InclusiveBetween(1, ManifestLimits.MaxRequests).WithMessage(PositiveUpTo(ManifestLimits.MaxRequests));

        RuleFor(m => m.Planner.Kind).IsInEnum().WithMessage(OneOf<AgentKind>());
        RuleFor(m => m.Planner.SelectionRule).IsInEnum().WithMessage(OneOf<SelectionRule>());
        RuleFor(m => m.Planner.MaxLabelRequests).InclusiveBetween(0, ManifestLimits.MaxPlanned).WithMessage(NotNegativeUpTo(ManifestLimits.MaxPlanned));
        RuleFor(m => m.Planner.MaxGeneratedSamples).InclusiveBetween(0, ManifestLimits.MaxPlanned).WithMessage(NotNegativeUpTo(ManifestLimits.MaxPlanned));
        RuleFor(m => m.Planner.MaxLabelRequests)
            .Must((m, labels) => labels + m.Planner.MaxGeneratedSamples > 0)
            .WithMessage("and maxGeneratedSamples are both 0: the planner could never add data. Allow at least one of them.");
        RuleFor(m => m.Planner.TokenBudget).InclusiveBetween(0, ManifestLimits.MaxTokenBudget).WithMessage(NotNegativeUpTo(ManifestLimits.MaxTokenBudget));
        RuleFor(m => m.Planner.TokenBudget).GreaterThan(0)
            .When(m => UsesLlm(m))
            .WithMessage("must be positive when the planner, teacher or feedback agent is an LLM (every call is counted against it); got {PropertyValue}.");
        When(m => IsLlm(m.Planner.Kind), () =>
        {
            RuleFor(m => m.Planner.Endpoint).Must(BeHttpUrl).WithMessage(EndpointMessage);
            RuleFor(m => m.Planner.Deployment).NotEmpty().WithMessage(DeploymentMessage);
        });
        RuleFor(m => m.Planner.Prices).SetValidator(new PricesValidator());

        RuleFor(m => m.Teacher.Kind).IsInEnum().WithMessage(OneOf<AgentKind>());
        RuleFor(m => m.Teacher.BatchSize).InclusiveBetween(1, 500).WithMessage("must be between 1 and 500 samples per call; got {PropertyValue}.");
        When(m => IsLlm(m.Teacher.Kind), () =>
        {
            RuleFor(m => m.Teacher.Endpoint).Must(BeHttpUrl).WithMessage(EndpointMessage);
            RuleFor(m => m.Teacher.Deployment).NotEmpty().WithMessage(DeploymentMessage);
        });
        RuleFor(m => m.Teacher.Prices).SetValidator(new PricesValidator());
        RuleFor(m => m.Teacher.Specialists).Empty().When(m => !IsLlm(m.Teacher.Kind))
            .WithMessage("must be empty when teacher.kind is 'offline': specialists are further LLM teachers beside an LLM teacher.");
        RuleFor(m => m.Teacher.Specialists).Must(s => s.Count <= ManifestLimits.MaxSpecialists)
            .WithMessage(m => $"must list at most {ManifestLimits.MaxSpecialists} specialists; got {m.Teacher.Specialists.Count}.");
        RuleForEach(m => m.Teacher.Specialists).ChildRules(specialist =>
        {
            specialist.RuleFor(t => t.Kind).Must(kind => AgentKinds.Llm.Contains(kind)).WithMessage(t => OneOf(AgentKinds.Llm.Select(k => k.ToWire()), t.Kind));
            specialist.RuleFor(t => t.Endpoint).Must(BeHttpUrl).WithMessage(EndpointMessage);
            specialist.RuleFor(t => t.Deployment).NotEmpty().WithMessage(DeploymentMessage);
            specialist.RuleFor(t => t.Prices).SetValidator(new PricesValidator());
            specialist.RuleFor(t => t.HardestTargets).InclusiveBetween(0, ManifestLimits.MaxHardestTargets).WithMessage(NotNegativeUpTo(ManifestLimits.MaxHardestTargets));
        });
        RuleForEach(m => m.Teacher.Specialists)
            .Must((m, t) => t.Intents.All(i => m.Labels.Any(l => l.Name == i)))
            .WithMessage((m, t) => $"intents must be names from $.labels; unknown: {string.Join(", ", t.Intents.Where(i => m.Labels.All(l => l.Name != i)))}.");
        RuleFor(m => m.Teacher.DemonstrationTimeout).InclusiveBetween(TimeSpan.Zero, ManifestLimits.MaxDuration).WithMessage(DurationUpTo);
        RuleFor(m => m.Teacher.DemonstrationTimeout).GreaterThan(TimeSpan.Zero).When(m => m.Teacher.AllowHumanDemonstrations)
            .WithMessage("must be positive when allowHumanDemonstrations is true (e.g. '01:00:00'); got {PropertyValue}.");
        RuleFor(m => m.Teacher.LabellingTimeout).InclusiveBetween(TimeSpan.Zero, ManifestLimits.MaxDuration).WithMessage(DurationUpTo);
        RuleFor(m => m.Teacher.LabellingTimeout).GreaterThan(TimeSpan.Zero).When(m => m.Teacher.AllowHumanLabelling)
            .WithMessage("must be positive when allowHumanLabelling is true (e.g. '1.00:00:00' for a day); got {PropertyValue}.");

        RuleFor(m => m.Feedback.Kind).IsInEnum().WithMessage(OneOf<AgentKind>());
        When(m => IsLlm(m.Feedback.Kind), () =>
        {
            RuleFor(m => m.Feedback.Endpoint).Must(BeHttpUrl).WithMessage(EndpointMessage);
            RuleFor(m => m.Feedback.Deployment).NotEmpty().WithMessage(DeploymentMessage);
        });
        RuleFor(m => m.Feedback.Prices).SetValidator(new PricesValidator());
        RuleFor(m => m.Feedback.MinConfidence).InclusiveBetween(0, 1).WithMessage(Fraction);

        RuleFor(m => m.Training.Trainer).IsInEnum().WithMessage(OneOf<TrainerKind>());
        RuleFor(m => m.Training.Compute.Target).IsInEnum().WithMessage(OneOf<ComputeTarget>());
        RuleFor(m => m.Training.Compute.DeviceId).InclusiveBetween(0, ManifestLimits.MaxDeviceId).WithMessage(NotNegativeUpTo(ManifestLimits.MaxDeviceId));
        RuleFor(m => m.Training.Compute.Timeout).Must(t => t > TimeSpan.Zero && t <= ManifestLimits.MaxDuration)
            .WithMessage($"must be a positive duration of at most {ManifestLimits.MaxDuration.TotalDays:0} days (e.g. \"02:00:00\"): the deadline of a training job; got {{PropertyValue}}.");
        RuleFor(m => m.Training.Compute.CheckEvery).InclusiveBetween(TimeSpan.FromSeconds(1), ManifestLimits.MaxDuration)
            .WithMessage("must be a duration from 1 second to 30 days (e.g. '00:00:30'): how often the run reads the training job's status; got {PropertyValue}.");
        RuleFor(m => m.Training.Compute.Timeout)
            .Must((m, t) => m.Training.Compute.CheckEvery <= TimeSpan.Zero || t.Ticks / Math.Max(1, m.Training.Compute.CheckEvery.Ticks) <= ManifestLimits.MaxTrainingChecks)
            .When(m => m.Training.Compute.RunsAsJob && m.Training.Compute.Timeout > TimeSpan.Zero && m.Training.Compute.Timeout <= ManifestLimits.MaxDuration)
            .WithMessage(m => $"allows at most {ManifestLimits.MaxTrainingChecks} status checks of the training job (timeout / checkEvery); raise $.training.compute.checkEvery or lower this; got {m.Training.Compute.Timeout} / {m.Training.Compute.CheckEvery}.");
        RuleFor(m => m.Training.Compute.HeartbeatTimeout).InclusiveBetween(TimeSpan.FromSeconds(1), TimeSpan.FromDays(1))
            .WithMessage("must be a duration from 1 second to 1 day (e.g. '00:02:00'), longer than the workers' --heartbeat-every: a running job whose heartbeat is older is resubmitted; got {PropertyValue}.");
        RuleFor(m => m.Training.Compute.MaxResubmissions).InclusiveBetween(0, ManifestLimits.MaxTrainingResubmissions)
            .WithMessage(NotNegativeUpTo(ManifestLimits.MaxTrainingResubmissions));
        RuleFor(m => m.Training.Compute.AllowCpuFallback).Equal(false).When(m => !m.Training.Compute.UsesGpu)
            .WithMessage("is only meaningful with training.compute.gpu true (it lets a GPU job embed on the CPU when no CUDA device is usable); remove it or set gpu to true.");
        RuleFor(m => m.Training.Compute.Gpu).Equal(false).When(m => m.Training.Compute.Target is ComputeTarget.Local)
            .WithMessage("contradicts target 'local' (in process on the CPU); write target 'inline' with gpu true for CUDA in process.");
        RuleFor(m => m.Training.HyperParameters.L2).InclusiveBetween(0, ManifestLimits.MaxRegularization).WithMessage(NotNegativeUpTo(ManifestLimits.MaxRegularization));
        RuleFor(m => m.Training.HyperParameters.L1).InclusiveBetween(0, ManifestLimits.MaxRegularization).WithMessage(NotNegativeUpTo(ManifestLimits.MaxRegularization));
        RuleFor(m => m.Training.HyperParameters.MaxIterations).InclusiveBetween(1, 10_000).WithMessage("must be between 1 and 10000; got {PropertyValue}.");

        RuleFor(m => m.Evaluation.Metrics).NotEmpty().WithMessage("must list at least one metric: " + string.Join(", ", WireNames.All<GoalMetric>()) + ".");
        RuleForEach(m => m.Evaluation.Metrics).IsInEnum().WithMessage(OneOf<GoalMetric>());
        RuleFor(m => m.Evaluation.Metrics).Must((m, metrics) => metrics.Contains(m.Goal.Metric))
            .WithMessage(m => $"must include the goal's metric '{m.Goal.Metric.ToWire()}', or the evaluation could never tell whether the goal is met.");
        RuleFor(m => m.Evaluation.MaxAttempts).InclusiveBetween(1, 10).WithMessage("must be between 1 and 10 planner attempts; got {PropertyValue}.");

        RuleFor(m => m.Alignment.Constitution).NotEmpty().WithMessage("must name the constitution file (relative to the manifest), e.g. 'constitutions/my-agent.json'.");
        RuleFor(m => m.Alignment.Constitution)
            .Must(path => File.Exists(Path.Combine(manifestDirectory!, path)))
            .When(m => manifestDirectory is not null && !string.IsNullOrEmpty(m.Alignment.Constitution))
            .WithMessage(m => $"file not found: '{Path.GetFullPath(Path.Combine(manifestDirectory!, m.Alignment.Constitution))}'. Paths are relative to the manifest's folder.");
        RuleFor(m => m.Alignment.MaxDistance)
            .GreaterThan(0).WithMessage(MaxDistanceMessage)
            .LessThanOrEqualTo(ManifestLimits.MaxDistanceBits).WithMessage(MaxDistanceMessage);
        RuleFor(m => m.Alignment.Epsilon).ExclusiveBetween(0, 0.5).WithMessage("must be strictly between 0 and 0.5; got {PropertyValue}.");
        RuleFor(m => m.Alignment.Version).NotEmpty()
            .WithMessage("must name the version of these thresholds (any text, e.g. '1' or '2026-11-30'); reports name the version a candidate was judged under.");
        RuleFor(m => m.Alignment.Margin).InclusiveBetween(0, 0.5).WithMessage("must be a share of the goal metric from 0 to 0.5 (e.g. 0.02); got {PropertyValue}.");
        RuleFor(m => m.Alignment.Alpha).InclusiveBetween(0.001, 0.25).WithMessage("must be an error rate from 0.001 to 0.25 (e.g. 0.05 for 95 % confidence); got {PropertyValue}.");
        RuleFor(m => m.Alignment.EnvironmentMargin).InclusiveBetween(0, 1).WithMessage(Fraction);
        RuleFor(m => m.Alignment.ForbiddenRateMargin).InclusiveBetween(0, 1).WithMessage(Fraction);
        RuleFor(m => m.Alignment.Resamples).InclusiveBetween(100, ManifestLimits.MaxResamples).WithMessage($"must be from 100 to {ManifestLimits.MaxResamples} bootstrap samples; got {{PropertyValue}}.");
        RuleFor(m => m.Alignment.WeightSpread).InclusiveBetween(0.1, 30)
            .WithMessage("must be from 0.1 to 30 bits (the simplest environment weighs at most 2^weightSpread times the most complex); got {PropertyValue}.");
        RuleFor(m => m.Alignment.Environments).Must(e => e.Count <= ManifestLimits.MaxEnvironments)
            .WithMessage(m => $"must list at most {ManifestLimits.MaxEnvironments} environments; got {m.Alignment.Environments.Count}.");
        RuleFor(m => m.Alignment.Environments)
            .Must(e => e.Select(x => x.Name).Distinct(StringComparer.Ordinal).Count() == e.Count)
            .WithMessage(m => $"must not repeat a name; repeated: {string.Join(", ", m.Alignment.Environments.GroupBy(x => x.Name).Where(g => g.Count() > 1).Select(g => g.Key))}.");
        RuleForEach(m => m.Alignment.Environments).ChildRules(environment =>
        {
            environment.RuleFor(e => e.Name).Matches(AgentIdPattern())
                .WithMessage("must be 2–63 characters of lower-case letters, digits and '-' (it names the environment in reports); got '{PropertyValue}'.");
            environment.RuleFor(e => e.Source).IsInEnum().WithMessage(OneOf<ProbeSource>());
            environment.RuleFor(e => e.Take).InclusiveBetween(1, ManifestLimits.MaxRequests).When(e => e.Take is not null).WithMessage(PositiveUpTo(ManifestLimits.MaxRequests));
            environment.RuleFor(e => e.File).NotNull().When(e => e.Source is ProbeSource.File)
                .WithMessage("is required when source is 'file': give { \"path\": ..., \"textColumn\": ..., \"labelColumn\": ... }.")
                .SetValidator(new DataFileValidator(manifestDirectory, labelRequired: true)!);
            environment.RuleFor(e => e.File).Null().When(e => e.Source is not ProbeSource.File)
                .WithMessage(e => $"applies only to source 'file'; this environment's source is '{e.Source.ToWire()}'.");
            environment.RuleFor(e => e.Seed).GreaterThanOrEqualTo(0).WithMessage("must be 0 or more; got {PropertyValue}.");
            environment.RuleFor(e => e.Weight).GreaterThan(0).When(e => e.Weight is not null)
                .WithMessage("must be a relative weight greater than 0 (weights are normalised to sum to 1); leave it out for the simplicity weight 2^(−K); got {PropertyValue}.");
            environment.RuleFor(e => e.Margin).InclusiveBetween(0, 1).When(e => e.Margin is not null).WithMessage(Fraction);
            environment.RuleFor(e => e.MaxDistance).GreaterThan(0).When(e => e.MaxDistance is not null).WithMessage(MaxDistanceMessage)
                .LessThanOrEqualTo(ManifestLimits.MaxDistanceBits).When(e => e.MaxDistance is not null).WithMessage(MaxDistanceMessage);
            environment.RuleFor(e => e.Constitution)
                .Must(path => File.Exists(Path.Combine(manifestDirectory!, path!)))
                .When(e => manifestDirectory is not null && !string.IsNullOrEmpty(e.Constitution))
                .WithMessage(e => $"file not found: '{Path.GetFullPath(Path.Combine(manifestDirectory!, e.Constitution!))}'. Paths are relative to the manifest's folder.");
        });
        RuleFor(m => m.Alignment.Environments)
            .Must(e => e.Any(x => x.Source is not ProbeSource.Adversarial))
            .When(m => m.Alignment.Environments.Count > 0)
            .WithMessage("must include at least one environment of ordinary requests ('labelled-traffic', 'validation' or 'file'): adversarial probes alone cannot show a candidate is as good as the serving version.");

        RuleFor(m => m.Approval.Timeout).InclusiveBetween(TimeSpan.Zero, ManifestLimits.MaxDuration).WithMessage(DurationUpTo);
        RuleFor(m => m.Approval.Timeout).GreaterThan(TimeSpan.Zero).When(m => m.Approval.Required)
            .WithMessage("must be positive when approval is required (e.g. '1.00:00:00' for a day); got {PropertyValue}.");
        RuleFor(m => m.Approval.EscalateTo).Matches("^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$").When(m => m.Approval.EscalateTo is not null)
            .WithMessage("must be the name of a setting that holds the escalation webhook's URL (1–128 letters, digits, '_', '.', ':' or '-', " +
                         "starting with a letter or '_', e.g. 'APPROVAL_ESCALATION_URL'), not the URL itself; got '{PropertyValue}'.");

        RuleFor(m => m.Deployment.CandidateShare).ExclusiveBetween(0, 1)
            .WithMessage("must be a share of traffic strictly between 0 and 1 (the serving version keeps the rest); got {PropertyValue}.");
        RuleFor(m => m.Deployment.TrialShare).ExclusiveBetween(0, 1)
            .WithMessage("must be a share of the recorded stream strictly between 0 and 1 (the end that the A/B trial replays); got {PropertyValue}.");
        RuleFor(m => m.Deployment.MinimumSamples).InclusiveBetween(1, ManifestLimits.MaxRequests).WithMessage(PositiveUpTo(ManifestLimits.MaxRequests));
        RuleFor(m => m.Deployment.PromotionRule).IsInEnum().WithMessage(OneOf<PromotionRule>());
        RuleFor(m => m.Deployment.Alpha).ExclusiveBetween(0, 0.5)
            .WithMessage("must be an error rate strictly between 0 and 0.5 (e.g. 0.05 for 95 % confidence); got {PropertyValue}.");
        RuleFor(m => m.Deployment.Margin).Must(margin => margin is >= 0 and < 0.5)
            .WithMessage("must be a share of accuracy from 0 up to (not including) 0.5 that the candidate may lose (e.g. 0.01 for one point); got {PropertyValue}.");
        RuleFor(m => m.Deployment.OnTimeout).IsInEnum().WithMessage(OneOf<TrialTimeoutAction>());
        RuleFor(m => m.Deployment.CheckEvery).InclusiveBetween(TimeSpan.FromSeconds(1), ManifestLimits.MaxDuration)
            .WithMessage("must be a duration from 1 second to 30 days (e.g. '00:05:00'); got {PropertyValue}.");
        RuleFor(m => m.Deployment.MaxDuration).InclusiveBetween(TimeSpan.FromSeconds(1), ManifestLimits.MaxDuration)
            .WithMessage("must be a duration from 1 second to 30 days (e.g. '1.00:00:00'); got {PropertyValue}.");
        RuleFor(m => m.Deployment.MaxDuration)
            .Must((m, max) => m.Deployment.CheckEvery <= TimeSpan.Zero || max.Ticks / Math.Max(1, m.Deployment.CheckEvery.Ticks) <= ManifestLimits.MaxTrialChecks)
            .WithMessage(m => $"allows at most {ManifestLimits.MaxTrialChecks} checks of the trial (maxDuration / checkEvery); raise $.deployment.checkEvery or lower this; got {m.Deployment.MaxDuration} / {m.Deployment.CheckEvery}.");

        RuleFor(m => m.Deployment.Ramp).Must(r => r.Count <= ManifestLimits.MaxRampSteps)
            .WithMessage(m => $"may list at most {ManifestLimits.MaxRampSteps} steps; got {m.Deployment.Ramp.Count}.");
        RuleForEach(m => m.Deployment.Ramp).ExclusiveBetween(0, 1)
            .WithMessage("must be a share of traffic strictly between 0 and 1 (e.g. [0.05, 0.25, 0.5]); got {PropertyValue}.");
        RuleFor(m => m.Deployment.Ramp).Must(r => r.Zip(r.Skip(1)).All(p => p.First < p.Second))
            .WithMessage(m => $"must list increasing shares, each step sending more traffic to the candidate than the one before (e.g. [0.05, 0.25, 0.5]); got [{string.Join(", ", m.Deployment.Ramp.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}].");
        RuleFor(m => m.Deployment.BakeTime).InclusiveBetween(TimeSpan.Zero, ManifestLimits.MaxDuration)
            .WithMessage("must be a duration from 0 (no watch after promotion) to 30 days (e.g. '1.00:00:00'); got {PropertyValue}.");
        RuleFor(m => m.Deployment.MaxLatencyRatio).Must(r => r >= 1 && double.IsFinite(r))
            .WithMessage("must be a ratio of at least 1 (the candidate's 95th-percentile latency over the serving version's, e.g. 1.5); got {PropertyValue}.");

        RuleFor(m => m.Traffic.Retention).InclusiveBetween(ManifestLimits.MinRetention, ManifestLimits.MaxRetention)
            .WithMessage($"must be at least an hour (\"{ManifestLimits.MinRetention:c}\") and at most {ManifestLimits.MaxRetention.TotalDays:0} days (\"{ManifestLimits.MaxRetention:c}\"); got {{PropertyValue}}.");
    }

    private const string Fraction = "must be a fraction between 0 and 1; got {PropertyValue}.";
    private static string PositiveUpTo(double max) => $"must be greater than 0 and at most {max:0.###}; got {{PropertyValue}}.";
    private static string NotNegativeUpTo(double max) => $"must be 0 or more and at most {max:0.###}; got {{PropertyValue}}.";

    private static readonly string MaxDistanceMessage = $"must be a positive number of bits, at most {ManifestLimits.MaxDistanceBits}; got {{PropertyValue}}.";

    private static readonly string DurationUpTo =
        $"must not be negative and at most {ManifestLimits.MaxDuration.TotalDays:0} days (\"{ManifestLimits.MaxDuration:c}\"); got {{PropertyValue}}.";
    private const string RequiredFile = "is required when data.source is 'files': give { \"path\": ..., \"textColumn\": ..., \"labelColumn\": ... }.";

    private const string EndpointMessage =
        "must be an absolute http(s) URL for an LLM kind: the Azure OpenAI resource (https://NAME.openai.azure.com) or an OpenAI-compatible base URL with /v1 (e.g. http://127.0.0.1:11434/v1); got '{PropertyValue}'.";
    private const string DeploymentMessage = "must name the Azure OpenAI deployment or the model of the OpenAI-compatible server for an LLM kind.";

    private static bool IsLlm(AgentKind kind) => AgentKinds.Llm.Contains(kind);

    private static bool UsesLlm(AgentManifest m) => IsLlm(m.Planner.Kind) || IsLlm(m.Teacher.Kind) || IsLlm(m.Feedback.Kind);

    private static bool BeHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>For values built in code: a manifest read from JSON holds only members (<see cref="WireNameConverter{T}"/> refuses other strings).</summary>
    private static string OneOf<T>() where T : struct, Enum => WireNames.OneOf<T>() + "; got '{PropertyValue}'.";

    private static string OneOf<T>(IEnumerable<string> allowed, T value) where T : struct, Enum => WireNames.OneOf(allowed) + $"; got '{value.ToWire()}'.";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex AgentIdPattern();

    [GeneratedRegex(@"^\S+$")]
    private static partial Regex NamePattern();

    private sealed class PricesValidator : AbstractValidator<LlmPrices>
    {
        public PricesValidator()
        {
            RuleFor(p => p.InputPer1k).InclusiveBetween(0, ManifestLimits.MaxPricePer1k).WithMessage(NotNegativeUpTo(ManifestLimits.MaxPricePer1k));
            RuleFor(p => p.OutputPer1k).InclusiveBetween(0, ManifestLimits.MaxPricePer1k).WithMessage(NotNegativeUpTo(ManifestLimits.MaxPricePer1k));
        }
    }

    private sealed class DataFileValidator : AbstractValidator<DataFileSpec>
    {
        public DataFileValidator(string? manifestDirectory, bool labelRequired)
        {
            RuleFor(f => f.Path).NotEmpty().WithMessage("must name a CSV or JSONL file relative to the manifest.");
            RuleFor(f => f.Path)
                .Must(path => File.Exists(Path.Combine(manifestDirectory!, path)))
                .When(f => manifestDirectory is not null && !string.IsNullOrEmpty(f.Path))
                .WithMessage(f => $"file not found: '{Path.GetFullPath(Path.Combine(manifestDirectory!, f.Path))}'. Paths are relative to the manifest's folder.");
            RuleFor(f => f.Format)
                .IsInEnum()
                .When(f => f.Format is not null)
                .WithMessage(OneOf<DataFileFormat>());
            RuleFor(f => f.Path)
                .Must(path => DataFileFormats.FromExtension(path) is not null)
                .When(f => f.Format is null && !string.IsNullOrEmpty(f.Path))
                .WithMessage("has no .csv or .jsonl extension; set 'format' to 'csv' or 'jsonl'.");
            RuleFor(f => f.TextColumn).NotEmpty().WithMessage("must name the column that holds the request text.");
            if (labelRequired)
                RuleFor(f => f.LabelColumn).NotEmpty().WithMessage("must name the column that holds the intent label.");
        }
    }
}

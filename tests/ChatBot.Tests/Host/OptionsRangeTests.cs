using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Host.Hosting;
using ChatBot.Inference;
using Microsoft.Extensions.Options;

namespace ChatBot.Tests.Host;

/// <summary>
/// The ranges on the options are checked by validators generated at build; a value out of range stops start-up with
/// the setting's own name (Section:Key) and its bounds, as the reflection-based check it replaced did.
/// </summary>
public sealed class OptionsRangeTests
{
    [Fact]
    public void An_intake_deadline_out_of_range_is_named_as_its_setting_with_its_bounds()
    {
        var result = new IntakeOptionsValidator().Validate(Options.DefaultName, new IntakeOptions { Deadline = TimeSpan.FromMinutes(1) });

        var problem = Assert.Single(StartupFailure.ProblemsOf(new OptionsValidationException(Options.DefaultName, typeof(IntakeOptions), result.Failures!)));
        Assert.StartsWith("Intake:Deadline: ", problem, StringComparison.Ordinal);
        Assert.Contains("00:00:04.5", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_in_range_pass()
    {
        Assert.True(new IntakeOptionsValidator().Validate(Options.DefaultName, new IntakeOptions()).Succeeded);
        Assert.True(new InferenceOptionsRanges().Validate(Options.DefaultName, new InferenceOptions()).Succeeded);
    }

    [Fact]
    public void The_queue_validator_reports_a_worker_count_out_of_range_beside_its_own_rules()
    {
        var redis = Options.Create(new ChatBot.Core.Configuration.RedisOptions());
        var result = new QueueOptionsValidator(redis).Validate(Options.DefaultName, new QueueOptions { WorkerCount = 65, DashboardEnabled = true });

        var problems = StartupFailure.ProblemsOf(new OptionsValidationException(Options.DefaultName, typeof(QueueOptions), result.Failures!));
        Assert.Contains(problems, p => p.StartsWith("Queue:WorkerCount: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Queue:DashboardUser is required", StringComparison.Ordinal));
    }

    [Fact]
    public void An_inference_setting_out_of_range_is_named_as_its_setting()
    {
        var result = new InferenceOptionsRanges().Validate(Options.DefaultName, new InferenceOptions { ParallelSequences = 0 });

        var problem = Assert.Single(StartupFailure.ProblemsOf(new OptionsValidationException(Options.DefaultName, typeof(InferenceOptions), result.Failures!)));
        Assert.StartsWith("Inference:ParallelSequences: ", problem, StringComparison.Ordinal);
    }
}

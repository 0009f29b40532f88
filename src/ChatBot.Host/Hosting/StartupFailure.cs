using ChatBot.Core.AdminFiles;
using Microsoft.Extensions.Options;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Turns a failed start into what an admin can act on: every settings problem found, one per line, naming the key,
/// on standard error, and exit code 2 — never a stack trace and an abort. Options are validated together at start
/// (ValidateOnStart), so five mistakes are reported in one attempt, not five.
/// </summary>
internal static class StartupFailure
{
    public const int ExitCode = 2;

    /// <summary>Whether this is a start-up problem the admin can fix (settings, a file), not a bug.</summary>
    public static bool IsConfigurationProblem(Exception error) => Problems(error).Any();

    public static int Report(Exception error, TextWriter output)
    {
        var problems = Problems(error).Distinct(StringComparer.Ordinal).ToList();
        output.WriteLine($"ChatBot did not start: {problems.Count} problem{(problems.Count == 1 ? "" : "s")} to fix.");
        foreach (var problem in problems)
        {
            output.WriteLine("  - " + problem);
        }

        output.WriteLine("Settings come from appsettings.json, appsettings.Local.json and the environment (Section__Key); appsettings.template.json documents each one.");
        return ExitCode;
    }

    // A range checked by a generated validator ("Deadline: The field IntakeOptions.Deadline must be between …") is
    // named as the admin writes it: "Intake:Deadline: must be between …".
    private static string Named(string failure)
    {
        var match = System.Text.RegularExpressions.Regex.Match(failure, "^(\\w+): The field (\\w+?)Options\\.\\1 (.*)$");
        return match.Success ? $"{match.Groups[2].Value}:{match.Groups[1].Value}: {match.Groups[3].Value}" : failure;
    }

    /// <summary>Each problem once, for a caller that reports them its own way (doctor).</summary>
    public static IReadOnlyList<string> ProblemsOf(Exception error) => Problems(error).Distinct(StringComparer.Ordinal).ToList();

    // What a value of the target type looks like: the choices of a mode, the form of a time span.
    private static string ConversionHint(string converting)
    {
        var type = System.Text.RegularExpressions.Regex.Match(converting, "to type '([^']+)'").Groups[1].Value;
        var target = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(type)).FirstOrDefault(t => t is not null);
        return target switch
        {
            { IsEnum: true } => $"It must be one of: {string.Join(", ", Enum.GetNames(target))}.",
            _ when target == typeof(TimeSpan) => "Write it as appsettings.template.json shows (a time span as hh:mm:ss).",
            _ => "Write it as appsettings.template.json shows.",
        };
    }

    private static IEnumerable<string> Problems(Exception error) => error switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Problems),
        OptionsValidationException options => options.Failures.Select(Named),
        AdminFileException file => [file.Message],
        // The configuration binder's own failure ("Failed to convert configuration value 'abc' at 'Quotas:NoticeInterval'
        // to type 'System.TimeSpan'"): it names the key and the value, wherever the section is bound.
        InvalidOperationException { Message: var converting } when converting.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
            => [converting + " " + ConversionHint(converting)],
        // Our own start-up checks throw these with a message that names the setting (Inference:ModelPath, …).
        InvalidOperationException { Message: var message } when message.Contains(':', StringComparison.Ordinal) && error.InnerException is null or InvalidOperationException
            => [message],
        _ when error.InnerException is { } inner => Problems(inner),
        _ => [],
    };
}

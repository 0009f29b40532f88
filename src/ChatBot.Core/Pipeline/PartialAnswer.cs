using System.Diagnostics;
using System.Text;
using ChatBot.Core.Queue;
using Hangfire.Server;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The model's words so far, kept sealed in the job's parameters while they are generated (like the whole answer,
/// and deleted with the job), so a worker that takes the job over after a crash continues the answer from there
/// instead of writing it again from the start.
/// </summary>
/// <remarks>
/// Kept at most once a second: one small write to the job's storage, against an answer that takes tens of seconds,
/// and a crash loses at most a second of generation. What is kept is the model's own text, before screening and
/// rendering, because that is what the model continues from.
/// </remarks>
internal sealed class PartialAnswer(EnvelopeSealer sealer, PerformContext? context)
{
    /// <summary>The job parameter holding the words generated so far.</summary>
    public const string Parameter = "partial";

    private static readonly TimeSpan KeepEvery = TimeSpan.FromSeconds(1);
    private long _keptAt = Stopwatch.GetTimestamp();
    private int _keptLength;

    /// <summary>What an earlier attempt kept, or null; a record this key cannot open is started again.</summary>
    public string? Earlier()
    {
        if (context?.GetJobParameter<string>(Parameter) is not { Length: > 0 } sealedText)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(sealer.OpenBytes(sealedText));
            _keptLength = text.Length;
            return text;
        }
        catch (EnvelopeException)
        {
            return null;
        }
    }

    /// <summary>Keeps <paramref name="text"/> if a second has passed since the last time and it has grown.</summary>
    /// <returns>False when the storage refused it: the answer goes on, only a crash would cost more.</returns>
    public bool Keep(StringBuilder text)
    {
        if (context is null || text.Length <= _keptLength || Stopwatch.GetElapsedTime(_keptAt) < KeepEvery)
        {
            return true;
        }

        _keptAt = Stopwatch.GetTimestamp();
        try
        {
            context.SetJobParameter(Parameter, sealer.SealBytes(Encoding.UTF8.GetBytes(text.ToString())));
            _keptLength = text.Length;
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }
}

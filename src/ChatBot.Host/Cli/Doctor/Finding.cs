namespace ChatBot.Host.Cli.Doctor;

internal enum Verdict
{
    Pass,
    Warn,
    Fail,
    Skip,
}

/// <summary>One check's verdict, what it found, and what to do about it.</summary>
internal sealed record Finding(string Check, Verdict Verdict, string Detail, string? Fix = null);

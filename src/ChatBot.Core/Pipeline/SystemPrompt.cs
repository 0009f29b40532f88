using ChatBot.Core.AdminFiles;
using Microsoft.Extensions.Logging;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The system prompt every answer starts with: an admin file (<c>Answers:SystemPromptFile</c>) on the same
/// hot-reload mechanism as the quotas and the word list, so an edit applies to the next answer without a restart.
/// Without the file, a plain built-in prompt answers and start-up says so.
/// </summary>
public sealed partial class SystemPrompt : IDisposable
{
    public const string Fallback = "You are a helpful assistant for the employees of this company. Answer briefly and politely.";
    private readonly HotReloadedFile<string>? _file;

    public SystemPrompt(string path, ILogger<SystemPrompt> logger, Action<AdminFileChange>? changed = null)
    {
        if (File.Exists(path))
        {
            _file = new HotReloadedFile<string>(path, Parse, logger, changed);
        }
        else
        {
            LogBuiltIn(logger, path);
        }
    }

    public string Text => _file?.Current ?? Fallback;

    public void Dispose() => _file?.Dispose();

    private static string Parse(string text, string source) =>
        text.Trim() is { Length: > 0 } prompt ? prompt : throw new AdminFileException($"{source} is empty; write the assistant's instructions in it, or remove it to use the built-in prompt.");

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "{Path} does not exist (Answers:SystemPromptFile): answers use the built-in system prompt")]
    private static partial void LogBuiltIn(ILogger logger, string path);
}

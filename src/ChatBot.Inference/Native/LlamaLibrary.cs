using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ChatBot.Inference.Native;

/// <summary>
/// Loads the native libraries once per process: resolves the versioned file names, routes llama/ggml logging to
/// <see cref="ILogger"/> (before anything logs), loads the CPU backend plugins from the library folder — under
/// <c>dotnet app.dll</c> ggml's default search looks beside the dotnet host and finds none (llama-cpp.md) — and
/// initialises the backend.
/// </summary>
internal static unsafe partial class LlamaLibrary
{
    private static readonly Lock Gate = new();
    private static string? _directory;
    private static ILogger? _logger;

    public static string Directory => _directory ?? throw new InvalidOperationException("The llama.cpp libraries are not loaded.");

    /// <summary>Finds the library folder: the configured one, else <c>native/linux-x64</c> here or above the app.</summary>
    public static string? Locate(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(Path.Combine(configured, "libggml-base.so")) ? Path.GetFullPath(configured) : null;
        }

        foreach (var start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "native", "linux-x64");
                if (File.Exists(Path.Combine(candidate, "libggml-base.so")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <exception cref="InvalidOperationException">The folder lacks a library; the message names the setting.</exception>
    public static void Load(string directory, ILogger logger)
    {
        lock (Gate)
        {
            _logger = logger;
            if (_directory is not null)
            {
                return;
            }

            var files = Resolve(directory);
            NativeLibrary.SetDllImportResolver(typeof(LlamaLibrary).Assembly, (name, _, _) =>
                files.TryGetValue(name, out var path) ? NativeLibrary.Load(path) : 0);
            _directory = directory;

            LlamaNative.llama_log_set(&OnLog, 0);
            LlamaNative.ggml_backend_load_all_from_path(directory);
            LlamaNative.llama_backend_init();
        }
    }

    /// <summary>
    /// The files behind each library name: the npm release's versioned names (<c>libllama.v0.5.0.so</c>), or a
    /// CMake build's plain ones (<c>libllama.so</c>, from scripts/native-build).
    /// </summary>
    /// <exception cref="InvalidOperationException">A library is missing; the message names the setting.</exception>
    internal static Dictionary<string, string> Resolve(string directory) => new(StringComparer.Ordinal)
    {
        [LlamaNative.Llama] = Find(directory, "libllama.v*.so", "libllama.so"),
        [LlamaNative.Ggml] = Find(directory, "libggml.v*.so", "libggml.so"),
        [LlamaNative.GgmlBase] = Find(directory, "libggml-base.so", "libggml-base.so"),
    };

    private static string Find(string directory, string versioned, string plain)
    {
        var match = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, versioned).Where(f => !f.Contains("common", StringComparison.Ordinal)).Order(StringComparer.Ordinal).LastOrDefault()
              ?? (File.Exists(Path.Combine(directory, plain)) ? Path.Combine(directory, plain) : null)
            : null;
        return match ?? throw new InvalidOperationException(
            $"Inference:NativeLibraryPath '{directory}' has no {plain}; run scripts/native-libs to fetch the pinned llama.cpp libraries (or scripts/native-build to build them for this CPU).");
    }

    // ggml_log_level: 0 none, 1 debug, 2 info, 3 warn, 4 error, 5 continue the previous line.
    [UnmanagedCallersOnly]
    private static void OnLog(int level, byte* text, nint userData)
    {
        var logger = _logger;
        if (logger is null || text is null)
        {
            return;
        }

        var logLevel = level switch
        {
            4 => LogLevel.Error,
            3 => LogLevel.Warning,
            2 => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (!logger.IsEnabled(logLevel))
        {
            return;
        }

        var line = Marshal.PtrToStringUTF8((nint)text)?.TrimEnd('\n');
        if (!string.IsNullOrEmpty(line))
        {
            LogNative(logger, logLevel, line);
        }
    }

    [LoggerMessage(EventId = 4000, Message = "llama.cpp: {Line}")]
    private static partial void LogNative(ILogger logger, LogLevel level, string line);
}

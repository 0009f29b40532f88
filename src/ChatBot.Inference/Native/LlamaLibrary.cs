using System.Runtime.InteropServices;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Inference.Native;

/// <summary>
/// Loads llama.cpp once per process through LLamaSharp: the libraries LLamaSharp.Backend.Cpu restored for this
/// platform (its loader picks the AVX level on x64), or a custom build of the same llama.cpp commit from
/// <c>Inference:NativeLibraryPath</c>. Routes llama.cpp's log to <see cref="ILogger"/> (before anything logs), and
/// points the few functions LLamaSharp does not bind (<see cref="GgmlNative"/>) at the very files it loaded: two
/// copies of ggml in one process would not share their backends.
/// </summary>
internal static partial class LlamaLibrary
{
    private static readonly Lock Gate = new();
    private static string? _directory;
    private static ILogger? _logger;

    /// <summary>The folder the loaded libraries came from.</summary>
    public static string Directory => _directory ?? throw new InvalidOperationException("The llama.cpp libraries are not loaded.");

    /// <summary>The file name of a llama.cpp library on this platform (<c>libllama.so</c>, <c>libllama.dylib</c>, <c>llama.dll</c>).</summary>
    public static string FileName(string library) =>
        OperatingSystem.IsWindows() ? $"{library}.dll" : OperatingSystem.IsMacOS() ? $"lib{library}.dylib" : $"lib{library}.so";

    /// <summary>Loads the libraries (once; a later call only swaps the logger).</summary>
    /// <param name="customDirectory">A folder with a custom build (Inference:NativeLibraryPath); empty for the packaged libraries.</param>
    /// <exception cref="InvalidOperationException">Nothing loads; the message names the setting.</exception>
    public static void Load(string? customDirectory, ILogger logger)
    {
        lock (Gate)
        {
            _logger = logger;
            if (_directory is not null)
            {
                return;
            }

            if (!string.IsNullOrWhiteSpace(customDirectory))
            {
                NativeLibraryConfig.All.WithLibrary(CustomLibrary(customDirectory), null);
            }

            NativeLibraryConfig.All.WithCuda(false).WithVulkan(false).WithLogCallback(OnLog);
            try
            {
                NativeApi.llama_empty_call();
            }
            catch (Exception ex) when (ex is LLama.Exceptions.RuntimeError or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
            {
                throw new InvalidOperationException(string.IsNullOrWhiteSpace(customDirectory)
                    ? $"The llama.cpp libraries of LLamaSharp.Backend.Cpu did not load on {RuntimeInformation.RuntimeIdentifier} ({ex.GetBaseException().Message}); run scripts/setup (on Linux they need the OpenMP runtime, libgomp1), or set Inference:NativeLibraryPath to a build of them."
                    : $"Inference:NativeLibraryPath '{customDirectory}': llama.cpp did not load ({ex.GetBaseException().Message}).", ex);
            }

            _directory = LoadedDirectory(customDirectory);
            GgmlNative.Bind(_directory);
        }
    }

    /// <summary>libllama in a custom build's folder.</summary>
    /// <exception cref="InvalidOperationException">It is not there; the message names the setting.</exception>
    internal static string CustomLibrary(string directory)
    {
        var llama = Path.Combine(Path.GetFullPath(directory), FileName("llama"));
        return File.Exists(llama) ? llama : throw new InvalidOperationException(
            $"Inference:NativeLibraryPath '{directory}' has no {FileName("llama")}; leave the setting empty to use the libraries LLamaSharp.Backend.Cpu restores, or point it at a build of the llama.cpp commit LLamaSharp binds (README, Runs on).");
    }

    /// <summary>
    /// Where LLamaSharp's loader found the library it loaded: it tries its candidates in order and keeps the first
    /// that loads, each looked for under the app's folder, then LLamaSharp's own, then as given (from the working
    /// directory) — the same order here, so a stray runtimes/ folder under the working directory is not taken for it.
    /// </summary>
    private static string LoadedDirectory(string? customDirectory)
    {
        if (!string.IsNullOrWhiteSpace(customDirectory))
        {
            return Path.GetFullPath(customDirectory);
        }

        var library = NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)
            ?? throw new InvalidOperationException("LLamaSharp loaded llama.cpp from the system search path, not from its runtimes folder; run scripts/setup.");
        // SystemInfo.Get() would probe for CUDA and Vulkan again (it starts vulkaninfo); the paths need only the OS.
        var system = new SystemInfo(
            OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OSPlatform.Linux, 0, null);
        foreach (var path in library.Prepare(system, null))
        {
            foreach (var root in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NativeApi).Assembly.Location) ?? "", "" })
            {
                var candidate = Path.GetFullPath(Path.Combine(root, path));
                if (File.Exists(candidate))
                {
                    return Path.GetDirectoryName(candidate)!;
                }
            }
        }

        throw new InvalidOperationException("LLamaSharp loaded llama.cpp, but none of its candidate files is on disk; run scripts/setup.");
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        var logger = _logger;
        var logLevel = level switch
        {
            LLamaLogLevel.Error => LogLevel.Error,
            LLamaLogLevel.Warning => LogLevel.Warning,
            LLamaLogLevel.Info => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (logger is null || !logger.IsEnabled(logLevel))
        {
            return;
        }

        var line = message.TrimEnd('\n');
        if (line.Length > 0)
        {
            LogNative(logger, logLevel, line);
        }
    }

    [LoggerMessage(EventId = 4000, Message = "llama.cpp: {Line}")]
    private static partial void LogNative(ILogger logger, LogLevel level, string line);
}

using System.Runtime.InteropServices;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Inference;

/// <summary>
/// llama.cpp comes from LLamaSharp.Backend.Cpu's runtimes folder for this platform, or from a custom build named by
/// Inference:NativeLibraryPath; a folder without libllama is refused naming the setting.
/// </summary>
public sealed class NativeLibraryFolderTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-native");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void The_packaged_libraries_load_from_the_runtimes_folder_of_this_platform()
    {
        LlamaLibrary.Load(null, NullLogger.Instance);

        var directory = LlamaLibrary.Directory.Replace('\\', '/');
        Assert.Contains($"/runtimes/{RuntimeInformation.RuntimeIdentifier}/native", directory, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(LlamaLibrary.Directory, LlamaLibrary.FileName("llama"))));
        Assert.True(File.Exists(Path.Combine(LlamaLibrary.Directory, LlamaLibrary.FileName("ggml-base"))));
    }

    [Fact]
    public void A_custom_folder_with_libllama_is_taken()
    {
        File.WriteAllBytes(Path.Combine(_folder.FullName, LlamaLibrary.FileName("llama")), []);

        Assert.Equal(Path.Combine(_folder.FullName, LlamaLibrary.FileName("llama")), LlamaLibrary.CustomLibrary(_folder.FullName));
    }

    [Fact]
    public void A_custom_folder_without_libllama_is_refused_naming_the_setting()
    {
        File.WriteAllBytes(Path.Combine(_folder.FullName, LlamaLibrary.FileName("ggml")), []);

        var error = Assert.Throws<InvalidOperationException>(() => LlamaLibrary.CustomLibrary(_folder.FullName));

        Assert.Contains("Inference:NativeLibraryPath", error.Message, StringComparison.Ordinal);
        Assert.Contains($"has no {LlamaLibrary.FileName("llama")}", error.Message, StringComparison.Ordinal);
        Assert.Contains("LLamaSharp.Backend.Cpu", error.Message, StringComparison.Ordinal);
    }
}

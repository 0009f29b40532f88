using ChatBot.Inference.Native;

namespace ChatBot.Tests.Inference;

/// <summary>
/// Inference:NativeLibraryPath may hold the npm release (versioned file names) or a CMake build for this CPU
/// (scripts/native-build, plain names); each library name resolves to one file, and a folder lacking one is named.
/// </summary>
public sealed class NativeLibraryFolderTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-native");

    public void Dispose() => _folder.Delete(recursive: true);

    private void Touch(params string[] names)
    {
        foreach (var name in names)
        {
            File.WriteAllBytes(Path.Combine(_folder.FullName, name), []);
        }
    }

    /// <summary>The npm release (versioned names), and a CMake build (plain names, with a libllama-common beside).</summary>
    [Theory]
    [InlineData("libllama.v0.5.0.so libggml.v0.5.0.so libggml-base.so libggml-cpu-zen4.so", "libllama.v0.5.0.so", "libggml.v0.5.0.so")]
    [InlineData("libllama.so libllama-common.so libggml.so libggml-base.so libggml-cpu.so", "libllama.so", "libggml.so")]
    public void Each_library_resolves_to_its_file_in_either_layout(string present, string llama, string ggml)
    {
        Touch(present.Split(' '));

        var files = LlamaLibrary.Resolve(_folder.FullName);

        Assert.Equal(Path.Combine(_folder.FullName, llama), files[LlamaNative.Llama]);
        Assert.Equal(Path.Combine(_folder.FullName, ggml), files[LlamaNative.Ggml]);
        Assert.Equal(Path.Combine(_folder.FullName, "libggml-base.so"), files[LlamaNative.GgmlBase]);
    }

    [Fact]
    public void A_folder_without_libllama_is_refused_naming_the_setting_and_both_scripts()
    {
        Touch("libggml.so", "libggml-base.so");

        var error = Assert.Throws<InvalidOperationException>(() => LlamaLibrary.Resolve(_folder.FullName));

        Assert.Contains("Inference:NativeLibraryPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("has no libllama.so", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/native-libs", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/native-build", error.Message, StringComparison.Ordinal);
    }
}

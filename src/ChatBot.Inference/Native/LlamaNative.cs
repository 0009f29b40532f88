using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

/// <summary>
/// Source-generated P/Invoke for the llama.cpp C API (v0.5.0 of node-llama-cpp's build). Only what the engine
/// and the model forge call. Library names are resolved to the versioned files by <see cref="LlamaLibrary"/>.
/// </summary>
internal static unsafe partial class LlamaNative
{
    public const string Llama = "llama";
    public const string Ggml = "ggml";
    public const string GgmlBase = "ggml-base";

    // backend and logging
    [LibraryImport(Llama)] public static partial void llama_backend_init();
    [LibraryImport(Llama)] public static partial void llama_log_set(delegate* unmanaged<int, byte*, nint, void> callback, nint userData);
    [LibraryImport(Ggml, StringMarshalling = StringMarshalling.Utf8)] public static partial void ggml_backend_load_all_from_path(string dirPath);

    // a persistent CPU thread pool, as llama-bench and llama-server attach: without one, ggml starts its worker
    // threads afresh for every graph it computes. ggml_threadpool_new lives in the CPU backend plugin the loader
    // picked, so it is found through the backend registry, not imported by name.
    public const int GgmlMaxThreads = 512;
    public const int GgmlBackendDeviceTypeCpu = 0;
    [LibraryImport(GgmlBase)] public static partial void ggml_threadpool_params_init(ggml_threadpool_params* parameters, int threads);
    [LibraryImport(Ggml)] public static partial nint ggml_backend_dev_by_type(int type);
    [LibraryImport(Ggml)] public static partial nint ggml_backend_dev_backend_reg(nint device);
    [LibraryImport(Ggml, StringMarshalling = StringMarshalling.Utf8)] public static partial nint ggml_backend_reg_get_proc_address(nint reg, string name);
    [LibraryImport(Llama)] public static partial void llama_attach_threadpool(nint context, nint threadpool, nint threadpoolBatch);
    [LibraryImport(Llama)] public static partial void llama_detach_threadpool(nint context);

    // model
    [LibraryImport(Llama)] public static partial llama_model_params llama_model_default_params();
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial nint llama_model_load_from_file(string path, llama_model_params parameters);
    [LibraryImport(Llama)] public static partial void llama_model_free(nint model);
    [LibraryImport(Llama)] public static partial nint llama_model_get_vocab(nint model);
    [LibraryImport(Llama)] public static partial byte* llama_model_chat_template(nint model, byte* name);
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial int llama_model_meta_val_str(nint model, string key, byte* buffer, nuint bufferSize);
    [LibraryImport(Llama)] public static partial int llama_model_n_ctx_train(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_desc(nint model, byte* buffer, nuint bufferSize);
    [LibraryImport(Llama)] public static partial ulong llama_model_size(nint model);
    [LibraryImport(Llama)] public static partial ulong llama_model_n_params(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_n_embd(nint model);

    // context and memory
    [LibraryImport(Llama)] public static partial llama_context_params llama_context_default_params();
    [LibraryImport(Llama)] public static partial nint llama_init_from_model(nint model, llama_context_params parameters);
    [LibraryImport(Llama)] public static partial void llama_free(nint context);
    [LibraryImport(Llama)] public static partial nint llama_get_memory(nint context);
    [LibraryImport(Llama)] [return: MarshalAs(UnmanagedType.U1)] public static partial bool llama_memory_seq_rm(nint memory, int seqId, int p0, int p1);
    [LibraryImport(Llama)] public static partial void llama_memory_seq_cp(nint memory, int seqIdSrc, int seqIdDst, int p0, int p1);

    // text
    [LibraryImport(Llama)] public static partial int llama_vocab_n_tokens(nint vocab);
    [LibraryImport(Llama)] [return: MarshalAs(UnmanagedType.U1)] public static partial bool llama_vocab_is_eog(nint vocab, int token);
    [LibraryImport(Llama)] public static partial int llama_tokenize(nint vocab, byte* text, int textLength, int* tokens, int maxTokens,
        [MarshalAs(UnmanagedType.U1)] bool addSpecial, [MarshalAs(UnmanagedType.U1)] bool parseSpecial);
    [LibraryImport(Llama)] public static partial int llama_token_to_piece(nint vocab, int token, byte* buffer, int length, int lstrip, [MarshalAs(UnmanagedType.U1)] bool special);
    [LibraryImport(Llama)] public static partial int llama_chat_apply_template(byte* template, llama_chat_message* chat, nuint messageCount,
        [MarshalAs(UnmanagedType.U1)] bool addAssistant, byte* buffer, int length);

    // decoding
    [LibraryImport(Llama)] public static partial llama_batch llama_batch_init(int tokens, int embd, int maxSequences);
    [LibraryImport(Llama)] public static partial void llama_batch_free(llama_batch batch);
    [LibraryImport(Llama)] public static partial int llama_decode(nint context, llama_batch batch);

    // sampling
    [LibraryImport(Llama)] public static partial llama_sampler_chain_params llama_sampler_chain_default_params();
    [LibraryImport(Llama)] public static partial nint llama_sampler_chain_init(llama_sampler_chain_params parameters);
    [LibraryImport(Llama)] public static partial void llama_sampler_chain_add(nint chain, nint sampler);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_greedy();
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_dist(uint seed);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_top_k(int k);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_top_p(float p, nuint minKeep);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_min_p(float p, nuint minKeep);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_temp(float t);

    // This build's penalties sampler takes n_vocab first (unlike upstream's four-argument form).
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_penalties(int vocabSize, int lastN, float repeat, float frequency, float presence);
    [LibraryImport(Llama)] public static partial int llama_sampler_sample(nint sampler, nint context, int index);
    [LibraryImport(Llama)] public static partial void llama_sampler_apply(nint sampler, llama_token_data_array* candidates);
    [LibraryImport(Llama)] public static partial void llama_sampler_accept(nint sampler, int token);
    [LibraryImport(Llama)] public static partial float* llama_get_logits_ith(nint context, int index);
    [LibraryImport(Llama)] public static partial float* llama_get_embeddings_seq(nint context, int seqId);
    [LibraryImport(Llama)] public static partial float* llama_get_embeddings_ith(nint context, int index);
    [LibraryImport(Llama)] public static partial void llama_sampler_free(nint sampler);

    // quantisation and GGUF writing, for the model forge
    [LibraryImport(Llama)] public static partial llama_model_quantize_params llama_model_quantize_default_params();
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial uint llama_model_quantize(string input, string output, llama_model_quantize_params* parameters);
    [LibraryImport(GgmlBase)] public static partial nint gguf_init_empty();
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial nint gguf_init_from_file(string path, gguf_init_params parameters);
    [LibraryImport(GgmlBase)] public static partial void gguf_free(nint gguf);
    [LibraryImport(GgmlBase)] public static partial void gguf_set_kv(nint gguf, nint source);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial long gguf_find_key(nint gguf, string key);
    [LibraryImport(GgmlBase)] public static partial nuint gguf_get_arr_n(nint gguf, long keyId);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial void gguf_set_val_str(nint gguf, string key, string value);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial void gguf_set_val_u32(nint gguf, string key, uint value);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial void gguf_set_val_f32(nint gguf, string key, float value);
    [LibraryImport(GgmlBase)] public static partial void gguf_add_tensor(nint gguf, nint tensor);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool gguf_write_to_file(nint gguf, string path, [MarshalAs(UnmanagedType.U1)] bool onlyMeta);
    [LibraryImport(GgmlBase)] public static partial nint ggml_init(ggml_init_params parameters);
    [LibraryImport(GgmlBase)] public static partial void ggml_free(nint context);
    [LibraryImport(GgmlBase)] public static partial nint ggml_new_tensor_1d(nint context, int type, long ne0);
    [LibraryImport(GgmlBase)] public static partial nint ggml_new_tensor_2d(nint context, int type, long ne0, long ne1);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial nint ggml_set_name(nint tensor, string name);
    [LibraryImport(GgmlBase)] public static partial void* ggml_get_data(nint tensor);
}

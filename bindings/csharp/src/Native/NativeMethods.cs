using System;
using System.Runtime.InteropServices;

namespace OpenConnectors.Native
{
    // The C ABI of abi.md, one declaration per export. Every string crosses as an IntPtr to
    // NUL-terminated UTF-8 (see Utf8), never through the runtime's string marshalling, whose
    // default encoding differs between .NET Framework, .NET and Mono.
    //
    // "openconnectors" resolves to libopenconnectors.so / libopenconnectors.dylib /
    // openconnectors.dll: on .NET from the package's runtimes/<rid>/native/ folder, on Mono
    // through the dynamic linker (LD_LIBRARY_PATH) or a <dllmap> in OpenConnectors.dll.config.
    internal static class NativeMethods
    {
        private const string Lib = "openconnectors";

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr oc_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr oc_status_name(uint status);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_client_new(IntPtr configJson, out ClientHandle client, out IntPtr errorJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void oc_client_free(IntPtr client);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_oauth_url(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_create_instance(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_get_instance(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_list_instances(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_update_instance(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_delete_instance(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_request(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_parse_callback(IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_await_callback(IntPtr requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void oc_string_free(IntPtr s);
    }

    // The client operations share one signature; the client passes the one to call.
    internal delegate uint ClientCall(IntPtr client, IntPtr requestJson, out IntPtr responseJson);

    // Likewise for the client-less callback functions.
    internal delegate uint StaticCall(IntPtr requestJson, out IntPtr responseJson);
}

// The seeds' own host: Rust calling libvozduxan.a through the extern block of seed 001, as
// written there (plus our loopback create: every session here keeps DHT, LSD, UPnP and NAT-PMP
// off). Streams one track and writes its bytes to OUT; test/capi.test.ts checks them.
// Usage: capi_smoke_rs STORAGE MAGNET FILE_INDEX OUT
use std::ffi::CString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::raw::{c_char, c_int, c_void};

#[repr(C)]
pub struct VozduxanSession {
    _private: [u8; 0],
}

pub type VozduxanLogFn = Option<unsafe extern "C" fn(message: *const c_char, userdata: *mut c_void)>;
pub type VozduxanProgressFn =
    Option<unsafe extern "C" fn(fraction: f64, status: *const c_char, userdata: *mut c_void)>;

#[repr(C)]
pub struct VozduxanConfig {
    pub storage_path: *const c_char,
    pub cache_max_bytes: u64,
    pub cache_ttl_secs: u32,
    pub listen_port: c_int,
    pub log_fn: VozduxanLogFn,
    pub log_userdata: *mut c_void,
}

#[repr(C)]
#[allow(dead_code)]
#[derive(Debug, PartialEq, Clone, Copy)]
pub enum VozduxanError {
    Ok = 0,
    MetadataTimeout = 1,
    InvalidFile = 2,
    BadInput = 3,
    Cancelled = 4,
    BufferTimeout = 5,
    StorageError = 6,
    Closed = 7,
    NotFound = 8,
    Internal = 99,
}

#[repr(C)]
pub struct VozduxanStreamInfo {
    pub url: [u8; 512],
    pub token: [u8; 128],
    pub file_size: i64,
    pub mime_type: [u8; 64],
    pub error: VozduxanError,
    pub error_msg: [u8; 256],
}

#[repr(C)]
pub struct VozduxanFileEntry {
    pub name: [u8; 512],
    pub mime: [u8; 64],
    pub size: i64,
    pub index: c_int,
}

#[repr(C)]
pub struct VozduxanFileList {
    pub files: *mut VozduxanFileEntry,
    pub count: c_int,
    pub error: VozduxanError,
    pub error_msg: [u8; 256],
}

#[link(name = "vozduxan", kind = "static")]
extern "C" {
    pub fn vozduxan_session_create(config: *const VozduxanConfig) -> *mut VozduxanSession;
    pub fn vozduxan_session_destroy(session: *mut VozduxanSession);

    pub fn vozduxan_stream_prepare(
        session: *mut VozduxanSession,
        magnet: *const c_char,
        torrent_data: *const u8,
        torrent_len: usize,
        file_idx: c_int,
        is_main: c_int,
        progress_fn: VozduxanProgressFn,
        userdata: *mut c_void,
    ) -> VozduxanStreamInfo;

    pub fn vozduxan_stream_notify_position(
        session: *mut VozduxanSession,
        token: *const c_char,
        byte_offset: i64,
    );
    pub fn vozduxan_stream_release(session: *mut VozduxanSession, token: *const c_char);
    pub fn vozduxan_list_files(
        session: *mut VozduxanSession,
        magnet: *const c_char,
        torrent_data: *const u8,
        torrent_len: usize,
    ) -> VozduxanFileList;
    pub fn vozduxan_file_list_free(list: *mut VozduxanFileList);
    pub fn vozduxan_session_evict(session: *mut VozduxanSession);
    pub fn vozduxan_session_http_port(session: *mut VozduxanSession) -> u16;

    // Ours, beyond the seed.
    pub fn vozduxan_session_create_loopback(config: *const VozduxanConfig) -> *mut VozduxanSession;
}

/// A NUL-terminated char array as a String (Debian's rustc 1.63 lacks CStr::from_bytes_until_nul).
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

unsafe extern "C" fn on_progress(_fraction: f64, _status: *const c_char, userdata: *mut c_void) {
    *(userdata as *mut u32) += 1;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: capi_smoke_rs STORAGE MAGNET FILE_INDEX OUT");
        std::process::exit(2);
    }
    let storage = CString::new(args[1].clone()).unwrap();
    let magnet = CString::new(args[2].clone()).unwrap();
    let index: c_int = args[3].parse().unwrap();
    let config = VozduxanConfig {
        storage_path: storage.as_ptr(),
        cache_max_bytes: 0,
        cache_ttl_secs: 0,
        listen_port: 0,
        log_fn: None,
        log_userdata: std::ptr::null_mut(),
    };
    unsafe {
        let session = vozduxan_session_create_loopback(&config);
        assert!(!session.is_null(), "session create failed");
        let mut list = vozduxan_list_files(session, magnet.as_ptr(), std::ptr::null(), 0);
        assert_eq!(list.error, VozduxanError::Ok, "{}", text(&list.error_msg));
        let files = std::slice::from_raw_parts(list.files, list.count as usize);
        let name = text(&files[index as usize].name);
        vozduxan_file_list_free(&mut list);

        let mut progress: u32 = 0;
        let info = vozduxan_stream_prepare(
            session,
            magnet.as_ptr(),
            std::ptr::null(),
            0,
            index,
            1,
            Some(on_progress),
            &mut progress as *mut u32 as *mut c_void,
        );
        assert_eq!(info.error, VozduxanError::Ok, "{}", text(&info.error_msg));
        let url = text(&info.url);
        let port = vozduxan_session_http_port(session);
        let path = &url[url.find("/stream/").unwrap()..];
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(stream, "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", path, port)
            .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        std::fs::write(&args[4], &response[split..]).unwrap();

        let token = CString::new(text(&info.token)).unwrap();
        vozduxan_stream_notify_position(session, token.as_ptr(), info.file_size / 2);
        vozduxan_stream_release(session, token.as_ptr());
        vozduxan_session_evict(session);
        vozduxan_session_destroy(session);
        println!("rust ok {} {} bytes, {} {}", name, response.len() - split, text(&info.mime_type),
                 if progress > 0 { "with progress" } else { "no progress" });
    }
}

; Inno Setup script of the Windows installer (Inno Setup 6).
; Build the bundle first on a Windows PC: `python installer\build.py --smoke`, then
;   iscc /DAppVersion=0.1.0 installer\windows\hallclient.iss
; Mass roll-out: hallclient-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART [/DIR="D:\hallclient"]
; The data directory (%LOCALAPPDATA%\hallclient: the store, backups, logs) belongs to the hall,
; not to the program: neither an upgrade nor the uninstaller touches it.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6E1F3C52-4B7A-4F0E-9C55-2D0B8A1E7C31}
AppName=政务服务窗口客户端
AppVersion={#AppVersion}
AppPublisher=hallclient
DefaultDirName={autopf}\hallclient
DefaultGroupName=政务服务窗口客户端
OutputBaseFilename=hallclient-setup-{#AppVersion}
OutputDir=..\..\dist
Compression=lzma2/ultra64
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
WizardStyle=modern
; An upgrade installs over the previous version in place; the client migrates the store
; (after its own backup) on its next start.
UsePreviousAppDir=yes
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "display"; Description: "创建“叫号大屏”快捷方式"; Flags: unchecked
Name: "kiosk"; Description: "创建“自助取号机”快捷方式"; Flags: unchecked

[Files]
Source: "..\..\dist\hallclient\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\政务服务窗口客户端"; Filename: "{app}\hallclient-gui.exe"; Parameters: "app"
Name: "{commondesktop}\政务服务窗口客户端"; Filename: "{app}\hallclient-gui.exe"; Parameters: "app"
Name: "{group}\叫号大屏"; Filename: "{app}\hallclient-gui.exe"; Parameters: "display"; Tasks: display
Name: "{commondesktop}\叫号大屏"; Filename: "{app}\hallclient-gui.exe"; Parameters: "display"; Tasks: display
Name: "{group}\自助取号机"; Filename: "{app}\hallclient-gui.exe"; Parameters: "kiosk"; Tasks: kiosk
Name: "{commondesktop}\自助取号机"; Filename: "{app}\hallclient-gui.exe"; Parameters: "kiosk"; Tasks: kiosk
Name: "{group}\自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\hallclient.exe"" selftest"
Name: "{group}\卸载"; Filename: "{uninstallexe}"

[Run]
; Smoke test after installing; quiet installs skip the window but still run it.
Filename: "{app}\hallclient.exe"; Parameters: "selftest"; Flags: runhidden waituntilterminated; StatusMsg: "正在自检…"

[UninstallDelete]
; Only what the program itself wrote under {app}; the data directory stays.
Type: filesandordirs; Name: "{app}\__pycache__"
